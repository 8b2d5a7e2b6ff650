import FedgeController
import FedgeDemo
import FedgeEdge
import FedgeTestSupport
import Foundation
import Logging
import Testing

/// The real `fedge console` in a real terminal (tmux), against a real controller with combiners and clients.
@Suite("fedge console in tmux", .serialized)
struct ConsoleEndToEndTests {
    static let quiet = Logger(label: "fedge.test") { _ in SwiftLogNoOpLogHandler() }

    /// A tmux session running one command, read with capture-pane.
    struct Tmux {
        let name = "fedge-test-\(UUID().uuidString.prefix(8))"

        func start(_ command: String, width: Int = 120, height: Int = 40) async throws {
            let result = try await ExternalTools.run(
                "/usr/bin/env",
                ["tmux", "new-session", "-d", "-s", self.name, "-x", "\(width)", "-y", "\(height)", command]
            )
            #expect(result.status == 0, "\(result.stderr)")
        }

        func screen() async throws -> String {
            try await ExternalTools.run("/usr/bin/env", ["tmux", "capture-pane", "-p", "-t", self.name]).stdout
        }

        func keys(_ keys: String...) async throws {
            _ = try await ExternalTools.run("/usr/bin/env", ["tmux", "send-keys", "-t", self.name] + keys)
        }

        func resize(width: Int, height: Int) async throws {
            _ = try await ExternalTools.run(
                "/usr/bin/env",
                ["tmux", "resize-window", "-t", self.name, "-x", "\(width)", "-y", "\(height)"]
            )
        }

        func kill() async {
            _ = try? await ExternalTools.run("/usr/bin/env", ["tmux", "kill-session", "-t", self.name])
        }

        /// Sends `keys`, then waits until `condition` holds on the screen; returns the last screen.
        func press(_ keys: [String], until what: String, _ condition: (String) -> Bool) async throws -> String {
            _ = try await ExternalTools.run("/usr/bin/env", ["tmux", "send-keys", "-t", self.name] + keys)
            return try await self.waitFor(what, condition)
        }

        /// Polls the screen until `condition` holds (or 30 s, scaled by `TestTime`, pass); returns the last screen.
        func waitFor(_ what: String, timeout: Double = 30, _ condition: (String) -> Bool) async throws -> String {
            let end = Date().addingTimeInterval(TestTime.scaled(timeout))
            var last = ""
            while Date() < end {
                last = try await self.screen()
                if condition(last) { return last }
                try await Task.sleep(for: .milliseconds(150))
            }
            Issue.record("timed out waiting for \(what); the screen was:\n\(last)")
            return last
        }
    }

    @Test(.enabled(if: ExternalTools.hasTmux, "needs tmux to drive a real terminal"))
    func startASessionWithKeysAndWatchItsRounds() async throws {
        guard let fedge = ExternalTools.builtExecutable("fedge") else {
            Issue.record("the fedge executable was not built")
            return
        }
        try await withTemporaryDirectory { dir in
            try await LiveController.with(directory: dir, logger: Self.quiet) { live in
                let trainers: [any Trainer] = (1...3).map { NoopTrainer(delta: Float($0) * 0.01, numExamples: 10) }
                try await LiveFederation.with(
                    directory: dir,
                    controllerPort: live.grpcPort,
                    combiners: ["east", "west"],
                    trainers: trainers,
                    enroll: live.enroll,
                    logger: Self.quiet,
                    combinersReady: { await live.controller.hub.attachments().count == 2 }
                ) {
                    let upload = try await ExternalTools.run(
                        fedge,
                        [
                            "model", "upload", "\(ExternalTools.repositoryRoot)/Examples/models/base.safetensors",
                            "--activate", "--socket", live.socket,
                        ]
                    )
                    #expect(upload.status == 0, "\(upload.stderr)")
                    let tmux = Tmux()
                    defer { Task { await tmux.kill() } }
                    try await tmux.start(
                        "env -u NO_COLOR LANG=C.UTF-8 \(fedge) console --socket \(live.socket); echo CONSOLE-EXITED $?; sleep 30"
                    )
                    var screen = try await tmux.waitFor("the overview") {
                        $0.contains("1 Overview") && $0.contains("3 online")
                    }
                    #expect(screen.contains("┌"), "box drawing in a UTF-8 terminal")

                    // s opens the form; Enter starts a session with the defaults (5 rounds of fedavg).
                    screen = try await tmux.press(["s"], until: "the form") { $0.contains("Start a session") }
                    #expect(screen.contains("Aggregator") && screen.contains("fedavg"))
                    try await tmux.keys("Down", "BSpace", "4", "Enter")
                    screen = try await tmux.waitFor("the session to start") {
                        $0.contains("queued: 4 rounds of fedavg")
                    }
                    screen = try await tmux.waitFor("rounds to advance") {
                        $0.contains("round 4/4") || $0.contains("finished  fedavg  round 4/4")
                    }

                    // The rounds view and the model trail follow.
                    screen = try await tmux.press(["3"], until: "the rounds view") {
                        $0.contains("History") && $0.components(separatedBy: "committed").count - 1 >= 4
                    }
                    screen = try await tmux.press(["6"], until: "the model trail") {
                        $0.contains("Model trail (5 models)")
                    }
                    #expect(screen.contains("seed"))

                    // Help, then a smaller terminal, then quit: the terminal is given back.
                    screen = try await tmux.press(["?"], until: "the help") {
                        $0.contains("Keys") && $0.contains("start a session")
                    }
                    screen = try await tmux.press(["Escape"], until: "the help to close") {
                        !$0.contains("start a session")
                    }
                    try await tmux.resize(width: 80, height: 24)
                    screen = try await tmux.waitFor("the redraw at 80×24") { screen in
                        let lines = screen.split(separator: "\n", omittingEmptySubsequences: false)
                        return screen.contains("8 Evts") && lines.count <= 25
                    }
                    screen = try await tmux.press(["q"], until: "the console to exit") {
                        $0.contains("CONSOLE-EXITED 0")
                    }
                    #expect(!screen.contains("1 Home"), "the console's screen is gone after it exits:\n\(screen)")

                    // A combiner's own view, from its control socket; NO_COLOR gets plain ASCII lines.
                    let local = Tmux()
                    defer { Task { await local.kill() } }
                    try await local.start(
                        "env LANG=C.UTF-8 NO_COLOR=1 \(fedge) console --socket \(dir)/run/combiner-east.sock; sleep 30"
                    )
                    screen = try await local.waitFor("the combiner's view") {
                        $0.contains("Combiner view") && $0.contains("combiner east")
                    }
                    #expect(screen.contains("+-") && !screen.contains("┌"), "ASCII lines under NO_COLOR:\n\(screen)")
                    screen = try await local.press(["4"], until: "its clients") {
                        $0.contains("client-") && $0.contains("east")
                    }
                    try await local.keys("q")
                }
            }
        }
    }
}
