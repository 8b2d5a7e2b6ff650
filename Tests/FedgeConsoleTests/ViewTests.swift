import FedgeAPIModels
import FedgeConsole
import Foundation
import Testing

@Suite("Console views, rendered into a screen buffer")
struct ViewTests {
    static func screen(
        _ view: ViewKind,
        width: Int = 120,
        height: Int = 40,
        glyphs: Glyphs = .unicode,
        data: ConsoleData = Sample.data(),
        configure: (inout ConsoleState) -> Void = { _ in }
    ) -> ScreenBuffer {
        var console = Console()
        console.glyphs = glyphs
        console.state.view = view
        configure(&console.state)
        return console.render(data, width: width, height: height, now: Sample.now)
    }

    @Test(arguments: [(80, 24), (120, 40), (200, 60)])
    func everyViewFitsAndNamesItsTabs(width: Int, height: Int) {
        for view in ViewKind.allCases {
            let screen = Self.screen(view, width: width, height: height)
            #expect(screen.width == width && screen.height == height)
            // Tab bar on top, status line at the bottom, with the clock.
            #expect(screen.row(0).contains("fedge"))
            #expect(screen.row(0).contains("8 "), "\(view): all eight tabs fit at \(width) columns: \(screen.row(0))")
            #expect(screen.row(height - 1).contains("live"))
        }
    }

    @Test func overviewShowsHealthSessionProgressRoundsAndModel() {
        let text = Self.screen(.overview).text
        #expect(text.contains("1 online, 1 offline"))
        #expect(text.contains("3 online") && text.contains("1 stale") && text.contains("1 offline"))
        #expect(text.contains("s-running1  running  fedadam  round 3/10"))
        #expect(text.contains("round 4: 1 of 4 updates (at least 2)"))
        #expect(text.contains("deadline in 2m40s"))
        #expect(text.contains("alpha: 1/4, 1 refused"))
        // The newest model (a fork) and, since it is not the active one, the active model too.
        #expect(text.contains("090909090909"))
        #expect(text.contains("active 040404040404 (round 3)"))
    }

    @Test func sessionsListAndDetail() {
        let text = Self.screen(.sessions).text
        #expect(text.contains("s-running1") && text.contains("s-finished"))
        #expect(text.contains("aggregator        fedadam eta=0.05"))
        #expect(text.contains("clients required  2"))
        #expect(text.contains("client settings   epochs=2"))
        #expect(text.contains("4 update(s) from 1 combiner(s)"))
    }

    @Test func roundsShowPerCombinerProgressAndHistory() {
        let text = Self.screen(.rounds).text
        #expect(text.contains("Round 4 of s-running1 — in progress"))
        #expect(text.contains("alpha        1/4"))
        #expect(text.contains("1 refused"))
        #expect(text.contains("committed") && text.contains("42s"))
    }

    @Test func clientsSortAndFilter() {
        var console = Console()
        console.state.view = .clients
        let data = Sample.data()
        _ = console.handle(.character("o"), data: data)  // by status
        #expect(console.state.status == "Sorted by status.")
        var text = console.render(data, width: 120, height: 30, now: Sample.now).text
        let offline = text.range(of: "sensor-e")!.lowerBound
        let stale = text.range(of: "phone-d")!.lowerBound
        let online = text.range(of: "hospital-a")!.lowerBound
        #expect(online < stale && stale < offline)
        for key in "/hosp" { _ = console.handle(key == "/" ? .character("/") : .character(key), data: data) }
        _ = console.handle(.enter, data: data)
        text = console.render(data, width: 120, height: 30, now: Sample.now).text
        #expect(text.contains("hospital-a") && text.contains("hospital-b") && !text.contains("factory-c"))
        #expect(text.contains("/hosp"))
        _ = console.handle(.escape, data: data)
        #expect(console.render(data, width: 120, height: 30, now: Sample.now).text.contains("factory-c"))
    }

    @Test func modelTrailIsATreeWithTheActiveModelMarked() {
        let screen = Self.screen(.models, width: 140)
        let text = screen.text
        #expect(text.contains("Model trail (5 models)"))
        #expect(text.contains("├─ ") || text.contains("└─ "), "the fork at model 2 is drawn as a tree:\n\(text)")
        #expect(text.contains("active"))
        #expect(text.contains("accuracy=0.91"))
        #expect(text.contains("CLIENTS"))
        #expect(Self.screen(.models, width: 140, glyphs: .ascii).text.contains("`- "))
    }

    @Test func metricsChartHasAxesLabelsAndBraille() {
        let text = Self.screen(.metrics).text
        #expect(text.contains("accuracy over rounds of s-running1"))
        #expect(text.contains("0.91") && text.contains("0.8"))
        #expect(text.contains("round 1"))
        #expect(text.unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) })
        let ascii = Self.screen(.metrics, glyphs: .ascii).text
        #expect(ascii.contains("*") && !ascii.unicodeScalars.contains { (0x2800...0x28FF).contains($0.value) })
        #expect(Self.screen(.metrics) { $0.metricIndex = 1 }.text.contains("round_duration_seconds over rounds"))
    }

    @Test func eventsTailAndHideProgressUnlessAsked() {
        let text = Self.screen(.events).text
        #expect(text.contains("session.created") && text.contains("round.failed"))
        #expect(!text.contains("round.progress"))
        #expect(Self.screen(.events) { $0.filters[.events] = "progress" }.text.contains("round.progress"))
    }

    @Test func helpListsEveryBinding() {
        let text = Self.screen(.overview) { $0.mode = .help }.text
        for key in ["1 … 8", "j k", "/", "o", "s", "x", "a", "r", "?", "q  Ctrl-C"] {
            #expect(text.contains(key), "\(key)")
        }
    }

    @Test func asciiScreensUseNoBoxDrawing() {
        for view in ViewKind.allCases {
            let text = Self.screen(view, glyphs: .ascii).text
            #expect(!text.contains("┌") && !text.contains("│") && !text.contains("█"), "\(view)")
        }
    }

    @Test func onlyChangedRowsAreRepainted() {
        let data = Sample.data()
        let first = Self.screen(.overview, data: data)
        #expect(first.changedRows(since: nil).count == first.height)
        #expect(first.changedRows(since: first).isEmpty)
        var later = data
        later.clients[2].status = "stale"
        let second = Self.screen(.overview, data: later)
        let changed = second.changedRows(since: first)
        #expect(!changed.isEmpty && changed.count <= 2, "\(changed)")
    }

    @Test func offlineShowsTheProblemInTheStatusLine() {
        var data = Sample.data()
        data.connected = false
        data.problem = "No controller is listening on /x/controller.sock"
        let screen = Self.screen(.overview, data: data)
        #expect(screen.row(screen.height - 1).contains("No controller is listening"))
        #expect(screen.row(screen.height - 1).contains("offline"))
    }
}
