import FedgeAPIClient
import FedgeAPIModels
import FedgeController
import FedgeCore
import FedgeDemo
import FedgeEdge
import FedgeSecurity
import FedgeStore
import FedgeTensor
import FedgeTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Crashes: nothing committed is lost", .serialized)
struct CrashTests {
    /// `kill -9` of the controller at seeded random moments of a session (whatever phase a round is in: planning,
    /// clients downloading, training or uploading, the combiners' partials arriving, the reduce, the commit);
    /// restarted each time, it resumes at the round after the last committed model. At the end the session has
    /// every round exactly once, each model the child of the one before, rounds committed before a kill are
    /// unchanged after it, no update is folded twice, the trail and the audit chain verify.
    ///
    /// CI kills it 3 times; `FEDGE_RELIABILITY_KILLS=10` (and `FEDGE_RELIABILITY_SEED`) run the long version.
    @Test func controllerKilledAtSeededMomentsResumes() async throws {
        guard let binary = ExternalTools.builtExecutable("fedge-controller") else {
            Issue.record("the fedge-controller executable was not built")
            return
        }
        let environment = ProcessInfo.processInfo.environment
        let kills = Int(environment["FEDGE_RELIABILITY_KILLS"] ?? "") ?? 3
        let seed = UInt64(environment["FEDGE_RELIABILITY_SEED"] ?? "") ?? 14
        try await withTemporaryDirectory { dir in
            let port = try freePort()
            let arguments = [
                "serve", "--insecure", "--home", dir, "--listen", "127.0.0.1:\(port)", "--listen-api", "none",
                "--upload-grace", "2",
            ]
            let trainers: [any Trainer] = (1...4).map { i in
                RecordingTrainer(
                    delta: Float(i) * 0.01,
                    weight: Double(i),
                    record: URL(fileURLWithPath: dir + "/recorded"),
                    pause: .milliseconds(250)
                )
            }
            let seedPath = dir + "/seed.safetensors"
            let seedID = try SafetensorsWriter.write(seedModel(), to: seedPath)
            try await ProcessIdentities.initController(binary, home: dir)
            let controller = DaemonProcess(try launch(binary, arguments, log: dir + "/controller-0.log"))
            defer { controller.kill(SIGKILL) }
            let socket = dir + "/run/controller.sock"
            let rounds = kills + 3
            try await LiveFederation.with(
                directory: dir,
                controllerPort: port,
                combiners: ["alpha", "beta"],
                trainers: trainers,
                enroll: ProcessIdentities.enroll(socket: socket),
                tls: false,
                logger: testLogger
            ) {
                let sessionID: String = try await APIClient.withClient(endpoint: .unixSocket(socket)) { api in
                    #expect(try await eventually { (try? await api.health()) != nil })
                    _ = try await api.uploadModel(from: seedPath, activate: true)
                    #expect(try await eventually { try await api.listClients(status: "online").total == 4 })
                    let session = try await api.createSession(
                        SessionConfigDTO(rounds: rounds, roundTimeout: 30, validate: true)
                    )
                    #expect(try await eventually { try await api.session(session.id).roundsDone >= 1 })
                    return session.id
                }
                var random = SeededGenerator(seed: seed)
                var committed: [Int: String] = [:]  // round → model, as seen after each kill
                var moments: [String] = []
                for kill in 1...kills {
                    // A moment anywhere in a round or two (a round takes about a second here).
                    let delay = Duration.milliseconds(Int.random(in: 50...1_800, using: &random))
                    try await Task.sleep(for: delay)
                    #expect(controller.kill(SIGKILL) == .signalled(SIGKILL))
                    let database = try FedgeDatabase(path: dir + "/controller/state.sqlite")
                    let recorded = try await database.rounds(ofSession: SessionID(sessionID))
                    moments.append(
                        "kill \(kill) after \(delay): "
                            + (recorded.last.map { "round \($0.number) \($0.status.rawValue)" } ?? "no round")
                    )
                    for round in recorded where round.status.rawValue == "committed" {
                        let model = try #require(round.model)
                        #expect(try await database.model(ModelID(hex: model)!) != nil)
                        if let before = committed[round.number] {
                            #expect(before == model, "round \(round.number) changed after kill \(kill)")
                        }
                        committed[round.number] = model
                    }
                    controller.replace(
                        with: try launch(binary, arguments, log: dir + "/controller-\(kill).log")
                    )
                    let healthy = try await APIClient.withClient(endpoint: .unixSocket(socket)) { api in
                        try await eventually { (try? await api.health()) != nil }
                    }
                    #expect(healthy, "the controller did not come back after kill \(kill)")
                }
                // The moments, for RELIABILITY.md's figures and for replaying a failure with its seed.
                print("controller killed \(kills) times (seed \(seed)): \(moments.joined(separator: "; "))")
                try await APIClient.withClient(endpoint: .unixSocket(socket)) { api in
                    #expect(
                        try await eventually(timeout: .seconds(120)) {
                            (try? await api.session(sessionID).status) == "finished"
                        },
                        "the session did not finish after \(moments)"
                    )
                    let all = try await api.sessionRounds(sessionID).items.sorted { $0.number < $1.number }
                    #expect(all.map(\.number) == Array(1...rounds), "\(moments)")
                    #expect(
                        all.allSatisfy { $0.status == "committed" },
                        "\(moments); \(all.map { "round \($0.number) \($0.status) \($0.reason ?? "")" })"
                    )
                    for (number, model) in committed { #expect(all[number - 1].model == model) }
                    var parent = seedID.hex
                    for round in all {
                        guard let id = round.model else { break }  // not committed: said above
                        let model = try await api.model(id)
                        #expect(model.parent == parent, "round \(round.number) does not continue from the one before")
                        #expect(model.round == round.number)
                        parent = model.id
                    }
                    try await NetworkFaultTests.expectNoUpdateCountedTwice(api, rounds: all, clients: 4)
                    #expect(try await api.verifyTrail().problems.isEmpty)
                    let kinds = try await api.listEvents(limit: 1000).items.map(\.kind)
                    #expect(kinds.contains("session.resumed"))
                }
            }
            controller.kill(SIGTERM)
            let database = try FedgeDatabase(path: dir + "/controller/state.sqlite")
            await #expect(try database.verifyAuditTrail() == nil)
        }
    }

    /// A combiner is killed (`kill -9`) in the middle of a round: the round closes with what arrived from the
    /// other combiner, the dead one's clients ask the controller again and move, and later rounds have them all.
    @Test func combinerKilledMidRound() async throws {
        guard let binary = ExternalTools.builtExecutable("fedge-combiner") else {
            Issue.record("the fedge-combiner executable was not built")
            return
        }
        try await withTemporaryDirectory { dir in
            let trainers: [any Trainer] = (1...6).map { i in
                RecordingTrainer(
                    delta: Float(i) * 0.01,
                    weight: 1,
                    record: URL(fileURLWithPath: dir + "/recorded"),
                    pause: .milliseconds(1500)
                )
            }
            let seedPath = dir + "/seed.safetensors"
            try SafetensorsWriter.write(seedModel(), to: seedPath)
            try await LiveController.with(directory: dir, uploadGrace: .seconds(2), logger: testLogger) { live in
                let betaPort = try freePort()
                // A combiner process with its kit, over mutual TLS, as an operator runs one.
                let kit = try ProcessIdentities.write(try await live.enroll(.combiner, "beta"), to: dir + "/beta.kit")
                let beta = try launch(
                    binary,
                    [
                        "serve", "--kit", kit, "--listen", "127.0.0.1:\(betaPort)", "--controller",
                        "127.0.0.1:\(live.grpcPort)",
                        "--home", dir + "/beta", "--socket", "none", "--active-window", "5",
                    ],
                    log: dir + "/beta.log"
                )
                defer {
                    if beta.isRunning() {
                        beta.kill(SIGKILL)
                        _ = beta.wait()
                    }
                }
                // Clients start once both combiners are attached (beta, a process, may take a while on a busy
                // machine), so that they spread over both.
                try await LiveFederation.with(
                    directory: dir,
                    controllerPort: live.grpcPort,
                    combiners: ["alpha"],
                    trainers: trainers,
                    enroll: live.enroll,
                    logger: testLogger,
                    combinersReady: { await live.controller.hub.attachments().count == 2 }
                ) {
                    try await APIClient.withClient(endpoint: .unixSocket(live.socket)) { api in
                        _ = try await api.uploadModel(from: seedPath, activate: true)
                        #expect(
                            try await eventually {
                                let combiners = try await api.listCombiners().items
                                return combiners.count == 2 && combiners.allSatisfy { $0.clientsOnline > 0 }
                                    && combiners.reduce(0) { $0 + $1.clientsOnline } == 6
                            }
                        )
                        let onBeta = try await api.listClients(combiner: "beta").items.filter { $0.status == "online" }
                            .count
                        let session = try await api.createSession(
                            SessionConfigDTO(rounds: 3, roundTimeout: 30, validate: false)
                        )
                        // Mid round 1: every client is training (for 1.5 s).
                        #expect(
                            try await eventually {
                                (try? await api.round(session: session.id, number: 1))?.status == "running"
                            }
                        )
                        try await Task.sleep(for: .milliseconds(700))
                        beta.kill(SIGKILL)
                        #expect(beta.wait() == .signalled(SIGKILL))
                        let killed = ContinuousClock.now

                        // Beta's clients see their connection drop, ask the controller for a combiner and say hello
                        // to alpha: all six are online there, as the controller lists them, within two heartbeat
                        // windows of a combiner's default (5 s each; these clients heartbeat every 0.3 s).
                        #expect(
                            try await eventually(timeout: .seconds(30)) {
                                try await api.listClients(combiner: "alpha").items.filter { $0.status == "online" }
                                    .count == 6
                            }
                        )
                        let moved = ContinuousClock.now - killed
                        print("Combiner killed: its \(onBeta) clients were online at alpha after \(moved)")
                        #expect(moved <= .seconds(10))

                        #expect(try await eventually { try await api.session(session.id).status == "finished" })
                        let rounds = try await api.sessionRounds(session.id).items.sorted { $0.number < $1.number }
                        #expect(rounds.map(\.status) == ["committed", "committed", "committed"])
                        // Round 1 closed with alpha's updates only; beta's part failed.
                        #expect(rounds[0].received == 6 - onBeta)
                        let betaPart = rounds[0].participation.first { $0.combiner == "beta" }
                        #expect(betaPart?.received == 0)
                        // By the last round every client trains at alpha.
                        #expect(rounds[2].received == 6)
                        #expect(rounds[2].participation.map(\.combiner) == ["alpha"])
                        let clients = try await api.listClients().items
                        #expect(clients.allSatisfy { $0.combiner == "alpha" && $0.status == "online" })
                        #expect(try await api.listCombiners(status: "offline").items.map(\.name) == ["beta"])
                    }
                }
            }
        }
    }
}

/// A daemon started by a test, shared between its tasks; `kill` waits for it to exit.
final class DaemonProcess: @unchecked Sendable {
    private let lock = NSLock()  // guards `current` and `ended`
    private var current: SpawnedProcess
    private var ended = false

    init(_ process: SpawnedProcess) { self.current = process }

    func replace(with process: SpawnedProcess) {
        self.lock.withLock {
            self.current = process
            self.ended = false
        }
    }

    /// Signals the daemon and reaps it; `nil` when it had ended already.
    @discardableResult
    func kill(_ signal: Int32) -> SpawnedProcess.Termination? {
        let (process, ended) = self.lock.withLock { (self.current, self.ended) }
        guard !ended else { return nil }
        process.kill(signal)
        let termination = process.wait()
        self.lock.withLock { self.ended = true }
        return termination
    }
}

/// Starts `binary` with its output in `log`.
func launch(_ binary: String, _ arguments: [String], log: String) throws -> SpawnedProcess {
    let fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    defer { close(fd) }
    return try SpawnedProcess.start(binary, arguments, stdout: fd, stderr: fd)
}

/// A loopback TCP port that was free a moment ago.
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
        }
    }
    guard bound else { throw POSIXError(.EADDRINUSE) }
    return Int(UInt16(bigEndian: address.sin_port))
}
