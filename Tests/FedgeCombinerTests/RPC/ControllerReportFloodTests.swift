import FedgeCore
import FedgeProto
import FedgeRPC
import FedgeTestSupport
import Foundation
import Logging
import Testing

@testable import FedgeCombiner

@Suite("A combiner's reports to its controller under load")
struct ControllerReportFloodTests {
    @Test("Every outcome, validation and training report arrives in order while heartbeats coalesce")
    func floodedLink() async throws {
        try await withTemporaryDirectory { dir in
            let configuration = CombinerConfiguration.defaults(
                name: "flood",
                listen: Endpoint(host: "127.0.0.1", port: 0),
                security: .insecure,
                home: URL(fileURLWithPath: dir)
            ) { _ in }
            let combiner = try Combiner(configuration: configuration, logger: Federation.logger)
            let link = ControllerLink(
                combiner: combiner,
                controller: Endpoint(host: "127.0.0.1", port: 1),
                security: .insecure,
                advertisedAddress: "x:1",
                logger: Federation.logger
            )
            let outbox = Outbox<Fedge_V1_CombinerReport>()
            let reader = Task {
                var rounds: [UInt32] = []
                var heartbeats = 0
                for await report in outbox {
                    switch report.event {
                    case .outcome(let outcome): rounds.append(outcome.round)
                    case .heartbeat: heartbeats += 1
                    default: break
                    }
                    await Task.yield()
                }
                return (rounds, heartbeats)
            }
            for round in 1...20_000 {
                link.report(.outcome(session: "s", round: round, succeeded: true, reason: "ok"), to: outbox)
                outbox.coalesce(.heartbeat([]), key: "heartbeat")
            }
            outbox.finish()
            let (rounds, heartbeats) = await reader.value
            #expect(rounds == Array(1...20_000).map(UInt32.init))
            #expect(heartbeats >= 1 && heartbeats < 20_000)
        }
    }
}
