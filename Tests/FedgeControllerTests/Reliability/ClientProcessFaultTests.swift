import FedgeAPIClient
import FedgeAPIModels
import FedgeController
import FedgeCore
import FedgeDemo
import FedgeEdge
import FedgeSecurity
import FedgeTensor
import FedgeTestSupport
import Foundation
import NIOConcurrencyHelpers
import Testing

/// Edge clients as `fedge-client` processes over mutual TLS, killed with SIGKILL in the middle of a round and
/// started again with their own kit while the round runs. The controller and the combiner run in this process.
@Suite("Edge clients dying, as processes", .serialized)
struct ClientProcessFaultTests {
    /// A client killed while it downloads the round's model (the link slowed to 2 MiB/s, a 4 MiB model), and
    /// started again under its own identity during the same round: the round closes with the others, the
    /// restarted client is let in (no refusal) and trains the next round, nothing is counted twice and nothing
    /// half-written stays in its work folder.
    @Test func clientKilledMidDownloadAndRestartedRejoins() async throws {
        try await Self.withProcessClients(3, elements: 1 << 20, slowLink: true) { api, clients, proxy, dir in
            // A round's time leaves room for a busy machine (CI runs suites side by side on 2 cores).
            let session = try await api.createSession(
                SessionConfigDTO(rounds: 2, roundTimeout: TestTime.scaled(40), validate: false)
            )
            let start = proxy!.forwardedBytes
            // Three 4 MiB downloads at 2 MiB/s each: kill the first client a quarter of the way in.
            #expect(try await eventually { proxy!.forwardedBytes - start > 3 << 20 })
            #expect(
                try await eventually { (try? await api.round(session: session.id, number: 1))?.status == "running" }
            )
            clients[0].kill(SIGKILL)
            try clients[0].restart()
            #expect(
                try await eventually(timeout: .seconds(120)) { try await api.session(session.id).hasEnded }
            )
            let rounds = try await api.sessionRounds(session.id).items.sorted { $0.number < $1.number }
            let story = """
                \(rounds.map { "round \($0.number) \($0.status) received \($0.received) \($0.reason ?? "")" }); \
                the proxy forwarded \(proxy!.forwardedBytes - start) bytes over \(proxy!.connections) connections
                \(clients.map { $0.logTail() }.joined(separator: "\n"))
                """
            #expect(rounds.map(\.status) == ["committed", "committed"], "\(story)")
            #expect((rounds.first?.received ?? 0) >= 2, "\(story)")
            #expect(rounds.last?.received == 3, "the restarted client did not train round 2")
            // `noop` updates are all alike: count contributions by client (one each, from as many as received).
            for round in rounds where round.status == "committed" {
                let contributions = try await api.model(round.model ?? "").contributions ?? []
                #expect(contributions.count == round.received)
                #expect(Set(contributions.map(\.client)).count == contributions.count)
            }
            let refused = try await api.listEvents(outcome: "refused").items
            #expect(refused.isEmpty, "\(refused.map(\.message))")
            #expect(ShutdownTests.halfWritten(under: dir + "/work-client-1").isEmpty)
            #expect(try await api.verifyTrail().problems.isEmpty)
        }
    }

    /// A client killed (SIGKILL) while its compute package trains: the package's processes die with it (they
    /// would otherwise train on for a minute, for nobody), the round ends at its deadline with a reason, and the
    /// client started again with its kit is let back in.
    @Test func clientKilledMidTrainingTakesItsTrainingWithIt() async throws {
        let marker = "fedge-orphan-\(UInt32.random(in: 1_000_000...9_999_999))"
        try await Self.withProcessClients(1, elements: 2_000, package: marker) { api, clients, _, _ in
            let session = try await api.createSession(SessionConfigDTO(rounds: 1, roundTimeout: 8, validate: false))
            #expect(
                try await eventually(timeout: .seconds(30)) { !ShutdownTests.processes(mentioning: marker).isEmpty }
            )
            clients[0].kill(SIGKILL)
            #expect(
                try await eventually(timeout: .seconds(5)) { ShutdownTests.processes(mentioning: marker).isEmpty },
                "left running: \(ShutdownTests.processes(mentioning: marker))"
            )
            #expect(
                try await eventually(timeout: .seconds(30)) { try await api.session(session.id).hasEnded }
            )
            let round = try await api.round(session: session.id, number: 1)
            #expect(round.status == "failed")
            #expect(round.reason?.isEmpty == false)
            try clients[0].restart()
            #expect(try await eventually { try await api.listClients(status: "online").total == 1 })
            #expect(try await api.listEvents(outcome: "refused").items.isEmpty)
        }
    }

    /// A `fedge-client` process that can be killed and started again with the same kit and work folder.
    final class ClientProcess: Sendable {
        let binary: String
        let arguments: [String]
        let log: String
        private let daemon: DaemonProcess

        init(binary: String, arguments: [String], log: String) throws {
            self.binary = binary
            self.arguments = arguments
            self.log = log
            self.daemon = DaemonProcess(try launch(binary, arguments, log: log))
        }

        /// Starts it again (its output going to a log of its own).
        func restart() throws {
            self.daemon.replace(with: try launch(self.binary, self.arguments, log: self.log + ".again"))
        }

        func kill(_ signal: Int32) { self.daemon.kill(signal) }

        /// The last `lines` lines of its logs (before and after a restart), for a failure's message.
        func logTail(lines: Int = 12) -> String {
            [self.log, self.log + ".again"].compactMap { path in
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
                return "== \(path)\n" + text.split(separator: "\n").suffix(lines).joined(separator: "\n")
            }.joined(separator: "\n")
        }
    }

    /// A controller and a combiner in this process and `count` client processes (client-1 …) with their kits,
    /// training with `--trainer noop`, or with a package whose training sleeps for a minute under `package` (a
    /// marker in its command line); the combiner's clients dial it through a proxy slowed to 2 MiB/s when
    /// `slowLink`. A seed of `elements` floats is active and every client online when `body` starts.
    static func withProcessClients(
        _ count: Int,
        elements: Int,
        slowLink: Bool = false,
        package: String? = nil,
        _ body: @Sendable (APIClient, [ClientProcess], FaultProxy?, String) async throws -> Void
    ) async throws {
        guard let binary = ExternalTools.builtExecutable("fedge-client") else {
            Issue.record("the fedge-client executable was not built")
            return
        }
        try await withTemporaryDirectory { dir in
            let seedPath = dir + "/seed.safetensors"
            try SafetensorsWriter.write(seedModel(elements: elements), to: seedPath)
            let trainer: [String]
            if let package {
                let folder = dir + "/package"
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                try "entry_points:\n  train:\n    command: sh train.sh \(package)\n".write(
                    toFile: folder + "/fedge.yaml",
                    atomically: true,
                    encoding: .utf8
                )
                try "sleep 60\n".write(toFile: folder + "/train.sh", atomically: true, encoding: .utf8)
                trainer = ["--package", folder]
            } else {
                trainer = ["--trainer", "noop"]
            }
            let proxy = NIOLockedValueBox<FaultProxy?>(nil)
            defer { if let proxy = proxy.withLockedValue({ $0 }) { Task { await proxy.close() } } }
            try await LiveController.with(directory: dir, uploadGrace: .seconds(5), logger: testLogger) { live in
                try await LiveFederation.with(
                    directory: dir,
                    controllerPort: live.grpcPort,
                    combiners: ["alpha"],
                    trainers: [],
                    enroll: live.enroll,
                    route: { _, port in
                        guard slowLink else { return port }
                        let started = try await FaultProxy.start(upstream: port)
                        started.set(.slow(bytesPerSecond: 2 << 20, latency: .milliseconds(5)))
                        proxy.withLockedValue { $0 = started }
                        return started.port
                    },
                    logger: testLogger,
                    combinersReady: { await live.controller.hub.attachments().count == 1 }
                ) {
                    var clients: [ClientProcess] = []
                    defer { for client in clients { client.kill(SIGKILL) } }
                    for index in 1...count {
                        let name = "client-\(index)"
                        let kit = try ProcessIdentities.write(
                            try await live.enroll(.client, name),
                            to: dir + "/\(name).kit"
                        )
                        clients.append(
                            try ClientProcess(
                                binary: binary,
                                arguments: [
                                    "run", "--kit", kit, "--work-dir", dir + "/work-\(name)", "--heartbeat", "1",
                                ] + trainer,
                                log: dir + "/\(name).log"
                            )
                        )
                    }
                    try await APIClient.withClient(endpoint: .unixSocket(live.socket)) { api in
                        _ = try await api.uploadModel(from: seedPath, activate: true)
                        #expect(
                            try await eventually(timeout: .seconds(60)) {
                                try await api.listClients(status: "online").total == count
                            }
                        )
                        try await body(api, clients, proxy.withLockedValue { $0 }, dir)
                    }
                }
            }
        }
    }
}
