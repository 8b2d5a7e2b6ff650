import FedgeAPIModels
import FedgeController
import FedgeDemo
import FedgeEdge
import FedgeSecurity
import FedgeTensor
import FedgeTestSupport
import Foundation
import Logging
import Testing

/// The real `fedge` binary against a real controller, as an operator types it.
@Suite("fedge operator commands", .serialized)
struct OperatorCommandTests {
    static let quiet = Logger(label: "fedge.test") { _ in SwiftLogNoOpLogHandler() }

    @Test func sessionModelRoundClientAndCombinerCommands() async throws {
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
                    let socket = ["--socket", live.socket]
                    func run(_ arguments: [String]) async throws -> ExternalTools.Output {
                        try await ExternalTools.run(fedge, arguments, timeout: 60)
                    }
                    let upload = try await run(
                        [
                            "model", "upload", "\(ExternalTools.repositoryRoot)/Examples/models/base.safetensors",
                            "--activate",
                        ] + socket
                    )
                    #expect(upload.status == 0, "\(upload.stderr)")
                    #expect(upload.stdout.contains("247e9814ecfb"))

                    // Wait for the clients, through the CLI itself.
                    var online = 0
                    for _ in 0..<100 where online < 3 {
                        let clients = try await run(["client", "list", "--json"] + socket)
                        let page = try API.makeDecoder().decode(Page<ClientDTO>.self, from: Data(clients.stdout.utf8))
                        online = page.items.filter { $0.status == "online" }.count
                        if online < 3 { try await Task.sleep(for: .milliseconds(100)) }
                    }
                    #expect(online == 3)

                    let start = try await run(
                        [
                            "session", "start", "--rounds", "2", "--aggregator", "fedadam", "--param", "eta=0.05",
                            "--setting", "epochs=2", "--json",
                        ] + socket
                    )
                    #expect(start.status == 0, "\(start.stderr)")
                    let session = try API.makeDecoder().decode(SessionDTO.self, from: Data(start.stdout.utf8))
                    #expect(session.config.aggregatorParams?["eta"] == 0.05)
                    #expect(session.config.clientSettings?["epochs"] == .number(2))
                    var status = ""
                    for _ in 0..<200 where status != "finished" {
                        let shown = try await run(["session", "show", session.id, "--json"] + socket)
                        status =
                            (try? JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])
                            .flatMap { ($0["session"] as? [String: Any])?["status"] as? String } ?? ""
                        if status != "finished" { try await Task.sleep(for: .milliseconds(100)) }
                    }
                    #expect(status == "finished")

                    let rounds = try await run(["round", "list", "--session", session.id] + socket)
                    #expect(rounds.stdout.components(separatedBy: "committed").count - 1 == 2, "\(rounds.stdout)")
                    let trail = try await run(["model", "trail"] + socket)
                    #expect(trail.status == 0)
                    #expect(
                        trail.stdout.contains("round 2") && trail.stdout.contains("round 1")
                            && trail.stdout.contains("seed"),
                        "\(trail.stdout)"
                    )
                    let verify = try await run(["model", "verify"] + socket)
                    #expect(verify.status == 0, "\(verify.stdout)")
                    let audit = try await run(["audit", "verify"] + socket)
                    #expect(
                        audit.status == 0 && audit.stdout.contains("audit trail ok"),
                        "\(audit.stdout)\(audit.stderr)"
                    )
                    let combiners = try await run(["combiner", "list"] + socket)
                    #expect(combiners.stdout.contains("east") && combiners.stdout.contains("west"))

                    // Over TCP: the token is needed, and errors are one sentence with a non-zero exit.
                    let anonymous = try await run(["session", "list", "--url", live.httpURL])
                    #expect(anonymous.status != 0)
                    #expect(anonymous.stderr.contains("token"))
                    #expect(!anonymous.stderr.contains("Fatal") && !anonymous.stderr.contains("Stack"))
                    let withToken = try await run(["session", "list", "--url", live.httpURL, "--token", live.token])
                    #expect(withToken.status == 0 && withToken.stdout.contains(session.id))
                    let missing = try await run(["session", "show", "s-missing"] + socket)
                    #expect(missing.status == 1 && missing.stderr.contains("No session has id"))
                    let stopFinished = try await run(["session", "stop", session.id] + socket)
                    #expect(
                        stopFinished.status == 1
                            && stopFinished.stderr.contains(
                                "is finished; only a queued or running session can be stopped"
                            )
                    )
                }
            }
        }
    }

    @Test(
        "The headless demo learns: 4 clients, 5 rounds of digits, validation accuracy from under 0.85 to at least 0.88"
    )
    func demoLearns() async throws {
        guard let fedge = ExternalTools.builtExecutable("fedge") else {
            Issue.record("the fedge executable was not built")
            return
        }
        let demo = try await ExternalTools.run(
            fedge,
            ["demo", "--headless", "--clients", "4", "--rounds", "5"],
            timeout: 180
        )
        #expect(demo.status == 0, "\(demo.stderr)")
        // "  round   3/5  accuracy 0.9250  loss 0.4561", one per round.
        let accuracies = demo.stdout.split(separator: "\n").compactMap { line -> Double? in
            let words = line.split(separator: " ")
            guard words.first == "round", let index = words.firstIndex(of: "accuracy"), index + 1 < words.count
            else { return nil }
            return Double(words[index + 1])
        }
        #expect(accuracies.count == 5, "\(demo.stdout)")
        #expect((accuracies.first ?? 1) < 0.85 && (accuracies.last ?? 0) >= 0.88, "\(accuracies)")
        #expect(demo.stdout.contains("Final validation accuracy"))
        #expect(demo.stdout.contains("Trail verified: 6 models"), "\(demo.stdout)")
    }

    /// `--keep-running` prints, line by line into a pipe too, the kits it enrolled for extra clients, and those kits
    /// name the controller's real port; Ctrl-C then stops the federation.
    @Test func keptRunningDemoPrintsGuestKits() async throws {
        guard let fedge = ExternalTools.builtExecutable("fedge") else {
            Issue.record("the fedge executable was not built")
            return
        }
        try await withTemporaryDirectory { dir in
            let log = dir + "/demo.log"
            let fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            let demo = try SpawnedProcess.start(
                fedge,
                ["demo", "--headless", "--keep-running", "--clients", "2", "--rounds", "1", "--home", dir + "/home"],
                stdout: fd,
                stderr: fd
            )
            close(fd)
            defer { if demo.isRunning() { demo.kill(SIGKILL) } }
            var printed = ""
            let deadline = ContinuousClock.now + .seconds(120)
            while !printed.contains("Ctrl-C stops it.") && ContinuousClock.now < deadline && demo.isRunning() {
                try await Task.sleep(for: .milliseconds(100))
                printed = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            }
            try #require(printed.contains("Ctrl-C stops it."), "\(printed)")
            let kits = (1...3).map { dir + "/home/kits/guest-\($0).kit" }
            for path in kits {
                #expect(printed.contains(path), "\(printed)")
                let kit = try Kit.load(path: path)
                #expect(kit.role == .client)
                let port = kit.controller.split(separator: ":").last.flatMap { Int($0) } ?? 0
                #expect(port > 0, "the kit names the port the controller listens on: \(kit.controller)")
                let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
                #expect(mode == 0o600)
            }
            demo.kill(SIGINT)
            #expect(demo.wait() == .exited(0))
        }
    }

    @Test func demoRunsTheNoopTrainerToo() async throws {
        guard let fedge = ExternalTools.builtExecutable("fedge") else {
            Issue.record("the fedge executable was not built")
            return
        }
        let demo = try await ExternalTools.run(
            fedge,
            ["demo", "--headless", "--trainer", "noop", "--clients", "3", "--rounds", "2"],
            timeout: 120
        )
        #expect(demo.status == 0, "\(demo.stderr)")
        #expect(demo.stdout.contains("session.finished"))
        #expect(demo.stdout.contains("Trail verified: 3 models"), "\(demo.stdout)")
    }
}

/// `fedge bench round` end to end, small: real processes, a real session, the figures it prints add up.
@Suite("fedge bench round")
struct BenchRoundTests {
    @Test func measuresARealSessionAndPrintsItsFigures() async throws {
        guard let fedge = ExternalTools.builtExecutable("fedge") else {
            Issue.record("the fedge executable was not built")
            return
        }
        let run = try await ExternalTools.run(
            fedge,
            ["bench", "round", "--clients", "3", "--processes", "2", "--params", "1000", "--rounds", "2", "--json"],
            timeout: 180
        )
        #expect(run.status == 0, "\(run.stderr)")
        let line = try #require(run.stdout.split(separator: "\n").last.map(String.init), "\(run.stdout)")
        let figures = try #require(
            try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            "\(run.stdout)"
        )
        #expect(figures["rounds_committed"] as? Int == 2)
        #expect(figures["updates_per_round"] as? [Int] == [3, 3])
        let median = try #require(figures["median_round_seconds"] as? Double)
        let copy = try #require(figures["socket_copy_seconds"] as? Double)
        #expect(median > 0 && copy > 0)
        #expect(abs((figures["ratio_to_socket_copy"] as? Double ?? 0) - median / copy) < 1e-6 * median / copy)
        // 3 clients × (model down + update up) + 1 combiner × (model down + partial up), at least the model's bytes.
        let model = try #require(figures["model_file_bytes"] as? Int)
        #expect((figures["bytes_per_round"] as? Int ?? 0) >= 8 * model)
        let phases = try #require(figures["phase_medians"] as? [String: Double])
        #expect(
            Set(["plan", "download", "train", "upload", "fold", "collect", "reduce", "commit"]).isSubset(
                of: phases.keys
            )
        )
        let peak = try #require((figures["memory"] as? [String: Any])?["peak"] as? [String: Double])
        #expect((peak["controller"] ?? 0) > 0 && (peak["combiner"] ?? 0) > 0 && (peak["client_process"] ?? 0) > 0)
    }

    @Test func refusesImpossibleOptions() async throws {
        let run = try await FedgeBinary.run(["bench", "round", "--params", "15"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("--params"), "\(run.stderr)")
    }
}

/// `fedge bench connections` end to end, small: real processes, clients held and their heartbeats timed.
@Suite("fedge bench connections")
struct BenchConnectionsTests {
    @Test func holdsIdleClientsAndTimesTheirHeartbeats() async throws {
        guard let fedge = ExternalTools.builtExecutable("fedge") else {
            Issue.record("the fedge executable was not built")
            return
        }
        let run = try await ExternalTools.run(
            fedge,
            [
                "bench", "connections", "--clients", "12", "--processes", "2", "--heartbeat", "2", "--hold", "7",
                "--json",
            ],
            timeout: 180
        )
        #expect(run.status == 0, "\(run.stderr)")
        let line = try #require(run.stdout.split(separator: "\n").last.map(String.init), "\(run.stdout)")
        let figures = try #require(
            try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            "\(run.stdout)"
        )
        #expect(figures["online_at_end"] as? Int == 12)
        // 12 clients beating every 2 s for 7 s: about 36 gaps timed, each about 2 s.
        #expect((figures["heartbeats"] as? Int ?? 0) >= 12, "\(line)")
        let median = try #require(figures["median_gap_seconds"] as? Double)
        #expect(median > 1 && median < 4, "\(line)")
        #expect((figures["late_heartbeats"] as? Int ?? -1) >= 0)
        #expect((figures["combiner_held_mib"] as? Double ?? 0) > 0, "\(line)")
        #expect(figures["combiner_kib_per_client"] is Double, "\(line)")
        #expect((figures["combiner_cpu_percent"] as? Double ?? -1) >= 0, "\(line)")
    }

    @Test func refusesAHeartbeatTooShortToTime() async throws {
        let run = try await FedgeBinary.run(["bench", "connections", "--heartbeat", "1"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("--heartbeat"), "\(run.stderr)")
    }
}

/// `fedge bench load` end to end, small: real processes, rounds running while readers read and a follower follows.
@Suite("fedge bench load")
struct BenchLoadTests {
    @Test func runsRoundsWhileTheAPIIsReadAndEventsFollowed() async throws {
        guard let fedge = ExternalTools.builtExecutable("fedge") else {
            Issue.record("the fedge executable was not built")
            return
        }
        // With tmux, the console runs in it meanwhile and is read and driven too.
        let console = ExternalTools.hasTmux ? ["--console"] : []
        let run = try await ExternalTools.run(
            fedge,
            [
                "bench", "load", "--clients", "8", "--participants", "4", "--processes", "2", "--params", "1000",
                "--heartbeat", "2", "--duration", "10", "--readers", "4", "--json",
            ] + console,
            timeout: 240
        )
        let line = try #require(run.stdout.split(separator: "\n").last.map(String.init), "\(run.stdout)\(run.stderr)")
        let figures = try #require(
            try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            "\(run.stdout)"
        )
        // Status 1 would only say the run was not clean; on a busy 2-core machine a heartbeat may come late, so the
        // figures are checked one by one instead.
        #expect(run.status == 0 || run.status == 1, "\(run.stderr)")
        #expect(figures["online_at_end"] as? Int == 8, "\(line)")
        #expect((figures["rounds_committed"] as? Int ?? 0) >= 1, "\(line)")
        #expect(figures["rounds_failed"] as? Int == 0, "\(line)")
        #expect((figures["read_errors"] as? [String: Any])?.isEmpty == true, "\(line)")
        let participants = try #require(figures["participants"] as? [String: Any])
        #expect(participants["max"] as? Double == 4, "rounds of 4 participants: \(line)")
        #expect((figures["reads"] as? Int ?? 0) > 40, "\(line)")
        #expect((figures["events_followed"] as? Int ?? 0) > 0, "\(line)")
        #expect(figures["refusals"] as? Int == 0)
        #expect((figures["combiner_peak_mib"] as? Double ?? 0) > 0)
        if !console.isEmpty {
            let watched = try #require(figures["console"] as? [String: Any], "\(line)")
            #expect(watched["running"] as? Bool == true, "\(watched)")
            #expect((watched["screens"] as? Int ?? 0) >= 3, "\(watched)")
            #expect(watched["keys"] as? Int == 2 && watched["key_timeouts"] as? Int == 0, "\(watched)")
            #expect(watched["first_rounds_done"] != nil, "the overview showed the session's rounds: \(watched)")
            #expect((watched["peak_mib"] as? Double ?? 0) > 0, "\(watched)")
        }
    }

    @Test func refusesMoreParticipantsThanClients() async throws {
        let run = try await FedgeBinary.run(["bench", "load", "--clients", "10", "--participants", "11"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("--participants"), "\(run.stderr)")
    }
}
