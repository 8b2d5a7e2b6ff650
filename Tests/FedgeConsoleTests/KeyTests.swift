import FedgeAPIModels
import FedgeConsole
import Foundation
import Testing

@Suite("Console keys")
struct KeyTests {
    let data = Sample.data()

    @Test func numbersTabAndArrowsSwitchViews() {
        var console = Console()
        _ = console.handle(.character("4"), data: self.data)
        #expect(console.state.view == .clients)
        _ = console.handle(.tab, data: self.data)
        #expect(console.state.view == .combiners)
        _ = console.handle(.backTab, data: self.data)
        _ = console.handle(.backTab, data: self.data)
        #expect(console.state.view == .rounds)
        _ = console.handle(.character("8"), data: self.data)
        _ = console.handle(.tab, data: self.data)
        #expect(console.state.view == .overview)
    }

    @Test func vimKeysAndArrowsMoveWithinBounds() {
        var console = Console()
        _ = console.handle(.character("4"), data: self.data)
        for _ in 0..<10 { _ = console.handle(.character("j"), data: self.data) }
        #expect(console.state.selected(.clients) == 4)
        _ = console.handle(.up, data: self.data)
        #expect(console.state.selected(.clients) == 3)
        _ = console.handle(.character("g"), data: self.data)
        #expect(console.state.selected(.clients) == 0)
        _ = console.handle(.character("G"), data: self.data)
        #expect(console.state.selected(.clients) == 4)
    }

    @Test func startASessionThroughTheForm() throws {
        var console = Console()
        _ = console.handle(.character("s"), data: self.data)
        guard case .form = console.state.mode else {
            Issue.record("s opens the form")
            return
        }
        _ = console.handle(.right, data: self.data)
        _ = console.handle(.right, data: self.data)  // fedadam
        _ = console.handle(.down, data: self.data)  // rounds
        _ = console.handle(.backspace, data: self.data)
        for c in "12" { _ = console.handle(.character(c), data: self.data) }
        for _ in 0..<6 { _ = console.handle(.down, data: self.data) }  // client settings
        for c in "epochs=3, mu=0.01" { _ = console.handle(.character(c), data: self.data) }
        let actions = console.handle(.enter, data: self.data)
        let config = try #require(actions.first.flatMap { if case .startSession(let c) = $0 { c } else { nil } })
        #expect(config.aggregator == "fedadam")
        #expect(config.rounds == 12)
        #expect(config.roundTimeout == 180)
        #expect(config.clientSettings == ["epochs": .number(3), "mu": .number(0.01)])
        #expect(console.state.mode == .normal)
        #expect(console.state.status.contains("12 rounds of fedadam"))
    }

    @Test func formErrorsStayInPlaceAndNothingIsSent() {
        var console = Console()
        _ = console.handle(.character("s"), data: self.data)
        _ = console.handle(.down, data: self.data)
        _ = console.handle(.backspace, data: self.data)
        _ = console.handle(.character("x"), data: self.data)  // rounds = "x"
        for _ in 0..<3 { _ = console.handle(.down, data: self.data) }  // clients required
        _ = console.handle(.backspace, data: self.data)
        _ = console.handle(.character("5"), data: self.data)
        _ = console.handle(.down, data: self.data)  // clients requested
        _ = console.handle(.backspace, data: self.data)
        _ = console.handle(.character("2"), data: self.data)
        #expect(console.handle(.enter, data: self.data).isEmpty)
        guard case .form(let form) = console.state.mode else {
            Issue.record("the form stays open")
            return
        }
        #expect(form.errors[.rounds] == "give a whole number, 1 or more")
        #expect(form.errors[.requestedClients]?.contains("below clients required") == true)
        #expect(form.focus == .rounds)
        #expect(console.state.statusIsError)
        let text = console.render(self.data, width: 120, height: 40, now: Sample.now).text
        #expect(text.contains("give a whole number, 1 or more"))
        _ = console.handle(.escape, data: self.data)
        #expect(console.state.mode == .normal)
        #expect(console.state.status == "No session started.")
    }

    @Test func stopAsksFirst() {
        var console = Console()
        _ = console.handle(.character("x"), data: self.data)
        #expect(console.state.mode == .confirmStop("s-running1"))
        #expect(
            console.render(self.data, width: 100, height: 30, now: Sample.now).text.contains(
                "Stop session s-running1? (y/n)"
            )
        )
        #expect(console.handle(.character("n"), data: self.data).isEmpty)
        #expect(console.state.status == "Session s-running1 keeps running.")
        _ = console.handle(.character("x"), data: self.data)
        #expect(console.handle(.character("y"), data: self.data) == [.stopSession("s-running1")])
        // Nothing to stop when nothing runs.
        var idle = self.data
        idle.sessions = idle.sessions.filter { $0.status != "running" }
        #expect(console.handle(.character("x"), data: idle).isEmpty)
        #expect(console.state.statusIsError)
    }

    @Test func activateTheSelectedModel() {
        var console = Console()
        _ = console.handle(.character("a"), data: self.data)
        #expect(console.state.statusIsError, "a outside the trail explains where to use it")
        _ = console.handle(.character("6"), data: self.data)
        // The trail starts at the newest line's tip; move to the seed at the top.
        _ = console.handle(.character("g"), data: self.data)
        #expect(console.handle(.character("a"), data: self.data) == [.activate(model: Sample.hex(1))])
    }

    @Test func quitAndHelp() {
        var console = Console()
        _ = console.handle(.character("?"), data: self.data)
        #expect(console.state.mode == .help)
        #expect(console.handle(.character("q"), data: self.data).isEmpty, "q closes the help first")
        #expect(console.handle(.character("q"), data: self.data) == [.quit])
        #expect(console.handle(.interrupt, data: self.data) == [.quit])
    }

    @Test func aCombinersConsoleDoesNotStartSessions() {
        var console = Console()
        console.state.combinerMode = true
        #expect(console.handle(.character("s"), data: self.data).isEmpty)
        #expect(console.state.mode == .normal && console.state.statusIsError)
    }
}
