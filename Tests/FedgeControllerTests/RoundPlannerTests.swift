import FedgeController
import FedgeCore
import Foundation
import Testing

@Suite("Round planner: how a round spreads over combiners")
struct RoundPlannerTests {
    static let model = ModelID(digestBytes: [UInt8](repeating: 5, count: 32))
    static let deadline = Date(timeIntervalSince1970: 1_800_000_000)

    static func plans(_ online: [String: Int], config: SessionConfig, kind: TaskKind = .train) -> [String: RoundPlan] {
        RoundPlanner(participants: online.sorted { $0.key < $1.key }.map { .init(name: $0.key, online: $0.value) })
            .plans(
                session: "s-1",
                round: 3,
                kind: kind,
                model: Self.model,
                modelSize: 42,
                config: config,
                deadline: Self.deadline
            )
    }

    @Test("Splits add up, largest remainder first, never more than a part's weight")
    func split() {
        #expect(RoundPlanner.split(4, by: [6, 2]) == [3, 1])
        #expect(RoundPlanner.split(10, by: [3, 3]) == [3, 3])
        #expect(RoundPlanner.split(5, by: [1, 1, 1, 1, 1, 1, 1]).reduce(0, +) == 5)
        #expect(RoundPlanner.split(3, by: [0, 5]) == [0, 3])
        #expect(RoundPlanner.split(7, by: [5, 5, 5]) == [3, 2, 2])
        #expect(RoundPlanner.split(3, by: []) == [])
        #expect(RoundPlanner.split(3, by: [0, 0]) == [0, 0])
    }

    @Test("Combiners without active clients take no part; with no request every client is asked")
    func everyone() {
        var config = SessionConfig()
        config.requestedClients = 0
        let plans = Self.plans(["a": 3, "b": 0, "c": 2], config: config)
        #expect(Set(plans.keys) == ["a", "c"])
        #expect(plans.values.allSatisfy { $0.quota == 0 && $0.bufferSize == 0 && $0.session == "s-1" && $0.round == 3 })
        #expect(plans["a"]?.deadline == Self.deadline && plans["a"]?.modelSize == 42)
        let planner = RoundPlanner(participants: [.init(name: "a", online: 3), .init(name: "c", online: 2)])
        #expect(planner.expectedClients(plans) == 5)
    }

    @Test("requested_clients and buffer_size are split by active clients; a combiner whose share is zero sits out")
    func quotasAndBuffers() {
        var config = SessionConfig()
        config.requestedClients = 3
        config.bufferSize = 2
        let plans = Self.plans(["a": 8, "b": 1, "c": 1], config: config)
        // 3 of 10 clients: all from a (largest remainder); b and c sit out, and the whole buffer goes to a.
        #expect(Set(plans.keys) == ["a"])
        #expect(plans["a"]?.quota == 3 && plans["a"]?.bufferSize == 2)
        let spread = Self.plans(["a": 4, "b": 4], config: config)
        #expect(spread["a"]?.quota == 2 && spread["b"]?.quota == 1)
        #expect(spread.values.map(\.bufferSize).reduce(0, +) == 2)
        let planner = RoundPlanner(participants: [
            .init(name: "a", online: 8), .init(name: "b", online: 1), .init(name: "c", online: 1),
        ])
        #expect(planner.expectedClients(plans) == 3)
    }

    @Test("Validation rounds ask every active client, whatever the training quotas")
    func validationAsksEveryone() {
        var config = SessionConfig()
        config.requestedClients = 1
        config.bufferSize = 1
        let plans = Self.plans(["a": 4, "b": 2], config: config, kind: .validate)
        #expect(Set(plans.keys) == ["a", "b"])
        #expect(plans.values.allSatisfy { $0.kind == .validate && $0.quota == 0 && $0.bufferSize == 0 })
    }
}
