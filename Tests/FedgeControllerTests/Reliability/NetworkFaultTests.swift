import FedgeAPIClient
import FedgeAPIModels
import FedgeController
import FedgeCore
import FedgeDemo
import FedgeEdge
import FedgeTensor
import FedgeTestSupport
import Foundation
import NIOConcurrencyHelpers
import Testing

/// Links between clients and their combiner, stalled, cut and slowed by a `FaultProxy` the combiner advertises
/// instead of its own port. The controller and the combiner run in this process, over mutual TLS on real sockets.
@Suite("Network faults between clients and their combiner", .serialized)
struct NetworkFaultTests {
    /// A link silent for longer than a heartbeat window (the combiner's active window is 5 s here) is noticed by
    /// the clients' keepalive pings (every 15 s, then 10 s for an answer): they close it and dial again, and
    /// once the link carries bytes again every client is back and a session runs with all of them.
    ///
    /// "Back" means on a connection that said hello after the stall began. When the link resumes, an old
    /// connection's queued heartbeats arrive first and make its client look online, until the old connection's
    /// close arrives and the client is offline until its new hello: a round planned in that moment rightly goes
    /// without it, so the test waits for the new connections, as the combiner's own API reports them.
    @Test func stalledLinkIsNoticedAndLeft() async throws {
        try await Self.withProxiedFederation(clients: 3) { api, proxy, dir in
            let old = proxy.liveConnections
            let stalledAt = Date()
            proxy.set(.stalled)
            // Keepalive: a ping within 15 s, then 10 s waiting for the answer; each client then closes its connection
            // and dials again.
            #expect(
                try await eventually(timeout: .seconds(60)) {
                    let live = proxy.liveConnections
                    return live.isDisjoint(with: old) && live.count == 3
                },
                "the clients did not notice the stalled link (connections \(old) → \(proxy.liveConnections))"
            )
            proxy.set(.passing)
            try await APIClient.withClient(endpoint: .unixSocket(dir + "/run/combiner-alpha.sock")) {
                (combiner: APIClient) async throws in
                var seen: [ClientDTO] = []
                #expect(
                    try await eventually {
                        seen = try await combiner.listClients().items
                        return seen.count == 3
                            && seen.allSatisfy { $0.status == "online" && ($0.connectedSince ?? stalledAt) > stalledAt }
                    },
                    """
                    the clients are not all back on new connections (stalled at \(stalledAt), connections \
                    \(proxy.liveConnections)): \(seen.map { "\($0.name) \($0.status) since \($0.connectedSince.map { "\($0)" } ?? "-")" })
                    """
                )
            }
            #expect(try await eventually { try await api.listClients(status: "online").total == 3 })
            let session = try await api.createSession(
                SessionConfigDTO(rounds: 2, roundTimeout: TestTime.scaled(30), validate: false)
            )
            #expect(try await eventually { try await api.session(session.id).status == "finished" })
            let rounds = try await api.sessionRounds(session.id).items
            #expect(rounds.map(\.status) == ["committed", "committed"])
            #expect(
                rounds.allSatisfy { $0.received == 3 },
                "updates received by round: \(rounds.map { "\($0.number): \($0.received) of \($0.expected)" })"
            )
            #expect(try await api.verifyTrail().problems.isEmpty)
        }
    }

    /// Every connection cut while the clients upload (a 4 MiB model, the link slowed to 16 MiB/s so that uploads
    /// are in flight): the round closes with what arrived or fails with a reason, nothing is counted twice, the
    /// clients come back and the next rounds have all of them.
    @Test func linkCutMidUploadLosesNothingCommitted() async throws {
        try await Self.withProxiedFederation(clients: 3, elements: 1 << 20) { api, proxy, _ in
            proxy.set(.slow(bytesPerSecond: 16 << 20, latency: .milliseconds(5)))
            let session = try await api.createSession(
                SessionConfigDTO(rounds: 3, roundTimeout: TestTime.scaled(20), validate: false)
            )
            // Three 4 MiB downloads, then the uploads start: cut once half of them went through.
            let start = proxy.forwardedBytes
            #expect(try await eventually { proxy.forwardedBytes - start > 3 * (4 << 20) + 6 << 20 })
            proxy.cut()
            proxy.set(.passing)
            try await Self.expectRecoveredAfterCut(api, session: session.id, clients: 3)
        }
    }

    /// After a cut: the session finishes, a round that did not commit says why, the last one has all `clients`,
    /// nothing is counted twice and the trail verifies.
    static func expectRecoveredAfterCut(_ api: APIClient, session: String, clients: Int) async throws {
        #expect(try await eventually(timeout: .seconds(120)) { try await api.session(session).hasEnded })
        let rounds = try await api.sessionRounds(session).items.sorted { $0.number < $1.number }
        #expect(try await api.session(session).status == "finished")
        for round in rounds where round.status != "committed" {
            #expect(round.reason?.isEmpty == false, "round \(round.number) failed without a reason")
        }
        #expect(
            rounds.last?.status == "committed" && rounds.last?.received == clients,
            "\(rounds.map { "round \($0.number) \($0.status) received \($0.received) \($0.reason ?? "")" })"
        )
        try await Self.expectNoUpdateCountedTwice(api, rounds: rounds, clients: clients)
        #expect(try await api.verifyTrail().problems.isEmpty)
    }

    /// Every link slowed to 1 MiB/s with 200 ms of latency each way: rounds take longer and all complete.
    @Test func slowLinkStillCompletesRounds() async throws {
        try await Self.withProxiedFederation(clients: 2, elements: 64 << 10) { api, proxy, _ in
            proxy.set(.slow(bytesPerSecond: 1 << 20, latency: .milliseconds(200)))
            let session = try await api.createSession(
                SessionConfigDTO(rounds: 2, roundTimeout: TestTime.scaled(30), validate: true)
            )
            #expect(
                try await eventually(timeout: .seconds(90)) { try await api.session(session.id).status == "finished" }
            )
            let rounds = try await api.sessionRounds(session.id).items
            #expect(rounds.map(\.status) == ["committed", "committed"])
            #expect(rounds.allSatisfy { $0.received == 2 })
            // 256 KiB down and up per client at 1 MiB/s, behind 200 ms a direction: well over half a second.
            #expect(rounds.allSatisfy { ($0.durationSeconds ?? 0) > 0.6 })
        }
    }

    /// Three combiners, the clients of one (about a third of them) behind a link cut every 1.5 s for a whole
    /// session: they reconnect (each time asking the controller for a combiner again), rounds close with what
    /// arrived, and nothing is counted twice.
    @Test func aThirdOfTheClientsFlappingForAWholeSession() async throws {
        try await Self.withProxiedFederation(
            clients: 9,
            elements: 1 << 16,
            trainerPause: .seconds(1),  // rounds of about a second: several cuts a session, some mid-round
            combiners: ["alpha", "beta", "gamma"],
            proxied: .clients(of: "gamma")
        ) { api, proxy, _ in
            let onGamma = try await api.listClients(combiner: "gamma").items.count
            let session = try await api.createSession(SessionConfigDTO(rounds: 6, roundTimeout: 10, validate: false))
            let flapping = Task {
                while !Task.isCancelled {
                    try await Task.sleep(for: .milliseconds(1500))
                    proxy.cut()
                }
            }
            defer { flapping.cancel() }
            #expect(
                try await eventually(timeout: .seconds(120)) { try await api.session(session.id).hasEnded }
            )
            flapping.cancel()
            let rounds = try await api.sessionRounds(session.id).items.sorted { $0.number < $1.number }
            #expect(try await api.session(session.id).status == "finished")
            #expect(rounds.count == 6)
            #expect(rounds.allSatisfy { $0.status == "committed" || $0.reason?.isEmpty == false })
            #expect(rounds.filter { $0.status == "committed" }.count >= 4, "\(rounds.map(\.status))")
            try await Self.expectNoUpdateCountedTwice(api, rounds: rounds, clients: 9)
            #expect(try await api.verifyTrail().problems.isEmpty)
            #expect(onGamma > 0, "no client was placed behind the flapping link")
            #expect(proxy.connections >= 3 * onGamma, "the clients behind the link did not flap")
            // Every client is back once the link holds.
            #expect(try await eventually { try await api.listClients(status: "online").total == 9 })
        }
    }

    /// Every client of one combiner (of two) lost at once in the middle of a round: their links cut, and stalled
    /// for as long as they try again. The round closes with the other combiner's updates (or fails with a reason),
    /// the session goes on with the clients it can reach, nothing is counted twice, and once the link carries bytes
    /// again every client is back.
    @Test func aWholeCombinersClientsLostAtOnce() async throws {
        try await Self.withProxiedFederation(
            clients: 6,
            elements: 1 << 14,
            trainerPause: .seconds(1),
            combiners: ["alpha", "beta"],
            proxied: .clients(of: "beta")
        ) { api, proxy, _ in
            let onBeta = try await api.listClients(combiner: "beta").items.count
            #expect(onBeta > 0 && onBeta < 6, "the clients did not spread over both combiners")
            let session = try await api.createSession(SessionConfigDTO(rounds: 3, roundTimeout: 8, validate: false))
            #expect(
                try await eventually { (try? await api.round(session: session.id, number: 1))?.status == "running" }
            )
            proxy.set(.stalled)
            proxy.cut()
            #expect(
                try await eventually(timeout: .seconds(90)) { try await api.session(session.id).hasEnded }
            )
            let rounds = try await api.sessionRounds(session.id).items.sorted { $0.number < $1.number }
            #expect(try await api.session(session.id).status == "finished")
            #expect(rounds.allSatisfy { $0.status == "committed" || $0.reason?.isEmpty == false })
            let first = try #require(rounds.first)
            #expect(first.status == "committed", "\(first.reason ?? "")")
            #expect(first.received == 6 - onBeta, "round 1 should close with alpha's clients only")
            #expect(first.participation.first { $0.combiner == "beta" }?.received ?? 0 == 0)
            #expect(rounds.filter { $0.status == "committed" }.count >= 2, "\(rounds.map { ($0.status, $0.reason) })")
            try await Self.expectNoUpdateCountedTwice(api, rounds: rounds, clients: 6)
            #expect(try await api.verifyTrail().problems.isEmpty)
            proxy.set(.passing)
            #expect(
                try await eventually(timeout: .seconds(60)) { try await api.listClients(status: "online").total == 6 }
            )
        }
    }

    /// The updates of every committed model come from distinct clients, at most one per client per round.
    static func expectNoUpdateCountedTwice(_ api: APIClient, rounds: [RoundDTO], clients: Int) async throws {
        for round in rounds where round.status == "committed" {
            let model = try await api.model(round.model ?? "")
            let contributions = model.contributions ?? []
            #expect(contributions.count == round.received)
            #expect(Set(contributions.map(\.client)).count == contributions.count)
            #expect(Set(contributions.map(\.update)).count == contributions.count)
            #expect(contributions.count <= clients)
        }
    }

    /// The link a test's proxy sits on.
    enum ProxiedLink: Sendable, Equatable {
        /// Between combiner `name` and its clients (the combiner advertises the proxy's port).
        case clients(of: String)
        /// In front of the controller's gRPC port: combiners and clients asking for a combiner dial through it.
        case controller
    }

    /// A controller and `combiners` in this process and `clients` clients, with a proxy on the `proxied` link; a
    /// seed model of `elements` floats active, every combiner attached and every client online.
    static func withProxiedFederation(
        clients: Int,
        elements: Int = 2_000,
        trainerPause: Duration = .zero,
        combiners: [String] = ["alpha"],
        proxied: ProxiedLink = .clients(of: "alpha"),
        _ body: @Sendable (APIClient, FaultProxy, String) async throws -> Void
    ) async throws {
        try await withTemporaryDirectory { dir in
            let trainers: [any Trainer] = (1...clients).map { i in
                RecordingTrainer(
                    delta: Float(i) * 0.01,
                    weight: Double(i),
                    record: URL(fileURLWithPath: dir + "/recorded"),
                    pause: trainerPause
                )
            }
            let seedPath = dir + "/seed.safetensors"
            try SafetensorsWriter.write(seedModel(elements: elements), to: seedPath)
            let proxies = NIOLockedValueBox<[FaultProxy]>([])
            defer { for proxy in proxies.withLockedValue({ $0 }) { Task { await proxy.close() } } }
            @Sendable func proxy(_ port: Int) async throws -> Int {
                let proxy = try await FaultProxy.start(upstream: port)
                proxies.withLockedValue { $0.append(proxy) }
                return proxy.port
            }
            try await LiveController.with(directory: dir, uploadGrace: .seconds(2), logger: testLogger) { live in
                try await LiveFederation.with(
                    directory: dir,
                    controllerPort: proxied == .controller ? try await proxy(live.grpcPort) : live.grpcPort,
                    combiners: combiners,
                    trainers: trainers,
                    enroll: live.enroll,
                    route: { name, port in proxied == .clients(of: name) ? try await proxy(port) : port },
                    logger: testLogger,
                    combinersReady: { await live.controller.hub.attachments().count == combiners.count }
                ) {
                    try await APIClient.withClient(endpoint: .unixSocket(live.socket)) { api in
                        _ = try await api.uploadModel(from: seedPath, activate: true)
                        #expect(try await eventually { try await api.listClients(status: "online").total == clients })
                        let proxy = try #require(proxies.withLockedValue { $0.first })
                        try await body(api, proxy, dir)
                    }
                }
            }
        }
    }
}
