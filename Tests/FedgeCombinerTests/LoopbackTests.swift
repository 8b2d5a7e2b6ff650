import FedgeAggregation
import FedgeCombiner
import FedgeCore
import FedgeEdge
import FedgeRPC
import FedgeSecurity
import FedgeTensor
import FedgeTestSupport
import Foundation
import Logging
import Testing

/// The same federation over real sockets: HTTP/2 on loopback, with TLS, and as separate processes.
@Suite("Rounds over loopback sockets")
struct LoopbackTests {
    /// Runs a combiner on 127.0.0.1 (a free port) and edge clients dialling it with `clientSecurity`.
    static func withSocketFederation<R: Sendable>(
        dir: String,
        serverSecurity: TransportSecurity,
        clientSecurity: [TransportSecurity],
        refusedClients: Set<Int> = [],
        _ body: @Sendable (Combiner) async throws -> R
    ) async throws -> R {
        let configuration = CombinerConfiguration.defaults(
            name: "tls-combiner",
            listen: Endpoint(host: "127.0.0.1", port: 0),
            security: serverSecurity,
            home: URL(fileURLWithPath: dir + "/combiner")
        )
        let combiner = try Combiner(configuration: configuration, logger: Federation.logger)
        let identities = try await TestIdentities()
        try await combiner.verifier.update(publicKeyPEM: identities.issuer.publicKeyPEM, revoked: [])
        var tokens: [String] = []
        for i in clientSecurity.indices { tokens.append(try await identities.token("tls-client-\(i + 1)")) }
        let transport = try combiner.makeTransport()
        let (addresses, continuation) = AsyncStream.makeStream(of: String.self)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await combiner.serve(transport: transport) { continuation.yield($0) } }
            var address = ""
            for await a in addresses {
                address = a
                break
            }
            let port = Int(address.split(separator: ":").last ?? "") ?? 0
            // Clients run in a group of their own and are stopped before the server: a client still dialling
            // while the server shuts down races NIO's channel set-up (a crash seen once on a loaded machine).
            let result = try await withThrowingTaskGroup(of: Void.self, returning: R.self) { clients in
                for (i, security) in clientSecurity.enumerated() {
                    let name = "tls-client-\(i + 1)"
                    let edge = EdgeClient(
                        configuration: .defaults(
                            name: name,
                            combiner: Endpoint(host: "127.0.0.1", port: port),
                            security: security,
                            workDirectory: URL(fileURLWithPath: dir + "/edge/\(name)")
                        ) {
                            $0.token = tokens[i]
                            // Clients the server refuses try rarely: a TLS server under a stream of failing handshakes
                            // has crashed inside grpc-swift-nio-transport/NIO (a deinited NIOAsyncWriter) on a loaded
                            // machine; one or two attempts still show that they never get in.
                            $0.backoff =
                                refusedClients.contains(i)
                                ? Backoff(initial: .seconds(2), maximum: .seconds(4))
                                : Backoff(initial: .milliseconds(100), maximum: .milliseconds(300))
                        },
                        trainer: NoopTrainer(delta: Float(i + 1)),
                        logger: Federation.logger
                    )
                    clients.addTask { try await edge.run() }
                }
                let result = try await body(combiner)
                // Leaving the group waits for every cancelled client.
                clients.cancelAll()
                return result
            }
            group.cancelAll()
            return result
        }
    }

    static func waitForClients(_ combiner: Combiner, _ count: Int, timeout: Duration = .seconds(15)) async -> Bool {
        let clock = ContinuousClock()
        let start = clock.now
        while clock.now - start < TestTime.scaled(timeout) {
            if await combiner.registry.eligible().count >= count { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    @Test(.enabled(if: ExternalTools.hasOpenSSL, "needs openssl to make test certificates"))
    func aRoundOverTLS() async throws {
        try await withTemporaryDirectory { dir in
            let certificates = try TestCertificates.make(in: dir)
            let server = TransportSecurity.tls(
                .init(certificate: certificates.serverCertificate, privateKey: certificates.serverKey)
            )
            let trusting = TransportSecurity.tls(.init(trustRoots: certificates.caCertificate))
            let untrusting = TransportSecurity.tls(.init())
            try await Self.withSocketFederation(
                dir: dir,
                serverSecurity: server,
                clientSecurity: [trusting, trusting, untrusting, .insecure],
                refusedClients: [2, 3]
            ) { combiner in
                #expect(await Self.waitForClients(combiner, 2))
                // The client that does not trust the CA and the plaintext one never get in.
                try await Task.sleep(for: .milliseconds(500))
                #expect(await combiner.registry.snapshots().map(\.name) == ["tls-client-1", "tls-client-2"])
                let seed = dir + "/seed.safetensors"
                try SafetensorsWriter.write(seedModel(), to: seed)
                let model = try combiner.runner.models.importModel(at: seed)
                let plan = RoundPlan(
                    session: "tls",
                    round: 1,
                    model: model,
                    modelSize: combiner.runner.models.size(of: model),
                    deadline: Date().addingTimeInterval(20),
                    minUpdates: 2
                )
                let result = try await combiner.runner.execute(plan)
                #expect(result.succeeded, "\(result.reason)")
                #expect(result.received == 2)
                // Noop clients add 1 and 2 with weight 1: the average moved every float by 1.5.
                let base = RandomModel.flatFloats(try SafetensorsFile(path: combiner.runner.models.path(for: model)))
                let average = try #require(result.partial).mean().flatMap { b in (0..<b.count).map { b[$0] } }
                #expect(zip(average, base).allSatisfy { abs($0 - $1 - 1.5) < 1e-5 })
            }
        }
    }

    @Test(.enabled(if: ExternalTools.hasOpenSSL, "needs openssl to make test certificates"))
    func mutualTLSRefusesClientsWithoutACertificate() async throws {
        try await withTemporaryDirectory { dir in
            let c = try TestCertificates.make(in: dir)
            let server = TransportSecurity.tls(
                .init(
                    certificate: c.serverCertificate,
                    privateKey: c.serverKey,
                    trustRoots: c.caCertificate,
                    requireClientCertificates: true
                )
            )
            let withCertificate = TransportSecurity.tls(
                .init(certificate: c.clientCertificate, privateKey: c.clientKey, trustRoots: c.caCertificate)
            )
            let without = TransportSecurity.tls(.init(trustRoots: c.caCertificate))
            try await Self.withSocketFederation(
                dir: dir,
                serverSecurity: server,
                clientSecurity: [withCertificate, without],
                refusedClients: [1]
            ) { combiner in
                #expect(await Self.waitForClients(combiner, 1))
                try await Task.sleep(for: .milliseconds(500))
                #expect(await combiner.registry.snapshots().map(\.name) == ["tls-client-1"])
            }
        }
    }

    @Test func combinerAndClientsAsSeparateProcesses() async throws {
        guard let combinerBinary = ExternalTools.builtExecutable("fedge-combiner"),
            let clientBinary = ExternalTools.builtExecutable("fedge-client")
        else {
            Issue.record("the fedge-combiner and fedge-client executables were not built")
            return
        }
        try await withTemporaryDirectory { dir in
            try SafetensorsWriter.write(seedModel(), to: dir + "/seed.safetensors")
            let port = 17_000 + Int.random(in: 0..<2000)
            try """
            {"model": "seed.safetensors", "rounds": 2, "round_timeout": 30, "clients_required": 2, "wait_for_clients": 2, "output": "out"}
            """.write(toFile: dir + "/plan.json", atomically: true, encoding: .utf8)
            // Kits as `fedge combiner enroll` / `fedge client enroll` write them: a local session checks the clients'
            // tokens with the key in the combiner's kit.
            let identities = try await TestIdentities()
            try await identities.kit("combiner", .combiner).write(to: dir + "/combiner.kit")
            for i in 1...2 { try await identities.kit("process-\(i)", .client).write(to: dir + "/process-\(i).kit") }
            let clients = try (1...2).map { i in
                try SpawnedProcess.start(
                    clientBinary,
                    [
                        "run", "--combiner", "127.0.0.1:\(port)", "--insecure", "--trainer", "noop",
                        "--kit", dir + "/process-\(i).kit", "--work-dir", dir + "/work", "--heartbeat", "0.5",
                    ]
                )
            }
            defer {
                for client in clients {
                    client.kill(SIGTERM)
                    _ = client.wait()
                }
            }
            let combiner = try await ExternalTools.run(
                combinerBinary,
                [
                    "serve", "--insecure", "--kit", dir + "/combiner.kit", "--listen", "127.0.0.1:\(port)", "--home",
                    dir + "/home", "--plan",
                    dir + "/plan.json",
                    "--exit-when-done",
                ],
                timeout: 120
            )
            #expect(combiner.status == 0, "\(combiner.stderr)")
            #expect(combiner.stderr.contains("Round committed"))
            #expect(FileManager.default.fileExists(atPath: dir + "/out/round-2.safetensors"))
            let finalID = combiner.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try ModelID.ofFile(atPath: dir + "/out/round-2.safetensors").hex == finalID)
            // Both clients trained in both rounds: noop adds 0.001 per round with weight 1.
            let seed = RandomModel.flatFloats(try SafetensorsFile(path: dir + "/seed.safetensors"))
            let final = RandomModel.flatFloats(try SafetensorsFile(path: dir + "/out/round-2.safetensors"))
            #expect(zip(final, seed).allSatisfy { abs($0 - $1 - 0.002) < 1e-5 })
        }
    }
}
