import FedgeAPIClient
import FedgeAPIModels
import FedgeController
import FedgeCore
import FedgeDemo
import FedgeEdge
import FedgeTensor
import FedgeTestSupport
import Foundation
import Testing

/// The link between a combiner and the controller, stalled, cut and slowed by a `FaultProxy` in front of the
/// controller's gRPC port (the combiner dials the controller through it, and so do clients asking for a
/// combiner). The controller and the nodes run in this process, over mutual TLS on real sockets.
@Suite("Network faults between a combiner and the controller", .serialized)
struct ControllerLinkFaultTests {
    /// A stall longer than a heartbeat window: the combiner's keepalive ping goes unanswered (a ping every
    /// 15 s, then 10 s for its answer), it closes the link and dials again; once bytes flow again it is attached and a session commits
    /// every round with every client.
    @Test func stalledControllerLinkIsNoticedAndRedialled() async throws {
        try await NetworkFaultTests.withProxiedFederation(clients: 2, proxied: .controller) {
            api,
            proxy,
            dir in
            try await APIClient.withClient(endpoint: .unixSocket(dir + "/run/combiner-alpha.sock")) {
                (combiner: APIClient) async throws in
                #expect(try await combiner.combinerStatus().attached)
                proxy.set(.stalled)
                let stalled = ContinuousClock.now
                #expect(
                    try await eventually(timeout: .seconds(60)) { try await !combiner.combinerStatus().attached },
                    "the combiner did not notice the stalled link"
                )
                // Noticed by the keepalive: a ping within 15 s, then 10 s for the answer.
                #expect(ContinuousClock.now - stalled < TestTime.scaled(.seconds(30)))
                proxy.set(.passing)
                #expect(
                    try await eventually(timeout: .seconds(60)) {
                        let attached = try await combiner.combinerStatus().attached
                        let combiners = try await api.listCombiners().items
                        let online = try await api.listClients(status: "online").total
                        return attached && combiners.allSatisfy { $0.status == "online" } && online == 2
                    }
                )
            }
            let session = try await api.createSession(
                SessionConfigDTO(rounds: 2, roundTimeout: TestTime.scaled(30), validate: false)
            )
            #expect(
                try await eventually(timeout: .seconds(90)) { try await api.session(session.id).status == "finished" }
            )
            let rounds = try await api.sessionRounds(session.id).items
            #expect(rounds.map(\.status) == ["committed", "committed"], "\(rounds.map { ($0.status, $0.reason) })")
            #expect(rounds.allSatisfy { $0.received == 2 })
            #expect(try await api.verifyTrail().problems.isEmpty)
        }
    }

    /// The link cut while the combiner streams its partial up (a 4 MiB model, the link slowed to 16 MiB/s so
    /// that the partial is in flight): the round is planned again or fails with a reason, nothing is counted
    /// twice, the combiner dials again and the last round has every client.
    @Test func controllerLinkCutMidPartialUploadLosesNothing() async throws {
        try await NetworkFaultTests.withProxiedFederation(clients: 2, elements: 1 << 20, proxied: .controller) {
            api,
            proxy,
            _ in
            proxy.set(.slow(bytesPerSecond: 16 << 20, latency: .milliseconds(5)))
            let start = proxy.forwardedBytes
            let session = try await api.createSession(
                SessionConfigDTO(rounds: 3, roundTimeout: TestTime.scaled(20), validate: false)
            )
            // The combiner fetches the 4 MiB model, its clients train, then the partial goes up: cut halfway.
            #expect(
                try await eventually(timeout: .seconds(30)) { proxy.forwardedBytes - start > (4 << 20) + (2 << 20) }
            )
            proxy.cut()
            proxy.set(.passing)
            try await NetworkFaultTests.expectRecoveredAfterCut(api, session: session.id, clients: 2)
        }
    }

    /// The controller link slowed to 1 MiB/s with 200 ms of latency each way: validated rounds still commit.
    @Test func slowControllerLinkStillCompletesRounds() async throws {
        try await NetworkFaultTests.withProxiedFederation(clients: 2, elements: 64 << 10, proxied: .controller) {
            api,
            proxy,
            _ in
            proxy.set(.slow(bytesPerSecond: 1 << 20, latency: .milliseconds(200)))
            let session = try await api.createSession(
                SessionConfigDTO(rounds: 2, roundTimeout: TestTime.scaled(30), validate: true)
            )
            #expect(
                try await eventually(timeout: .seconds(90)) { try await api.session(session.id).status == "finished" }
            )
            let rounds = try await api.sessionRounds(session.id).items
            #expect(rounds.map(\.status) == ["committed", "committed"], "\(rounds.map { ($0.status, $0.reason) })")
            #expect(rounds.allSatisfy { $0.received == 2 })
            #expect(try await api.verifyTrail().problems.isEmpty)
        }
    }
}
