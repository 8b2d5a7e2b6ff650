import FedgeCombiner
import FedgeCore
import FedgeTestSupport
import Foundation
import Testing

@Suite("Client selection")
struct ClientSelectionTests {
    static let model = ModelID(digestBytes: [UInt8](repeating: 2, count: 32))

    static func plan(quota: Int = 0, minUpdates: Int = 1) -> RoundPlan {
        RoundPlan(
            session: "s-9",
            round: 4,
            model: Self.model,
            modelSize: 7,
            quota: quota,
            deadline: Date(timeIntervalSince1970: 0),
            minUpdates: minUpdates,
            clientSettingsJSON: #"{"epochs":2}"#
        )
    }

    static let clients: [ClientID] = (1...10).map { ClientID("client-\($0)") }

    @Test("Every eligible client without a quota; each gets a task of the round naming the plan's model and settings")
    func everyone() throws {
        var generator = SeededGenerator(seed: 1)
        let selection = try ClientSelection(plan: Self.plan(), eligible: Self.clients, modelSize: 7, using: &generator)
        #expect(Set(selection.assignments.map(\.client)) == Set(Self.clients))
        #expect(Set(selection.assignments.map(\.task.id)).count == 10)
        for task in selection.assignments.map(\.task) {
            #expect(task.session == "s-9" && task.round == 4 && task.model == Self.model && task.modelSize == 7)
            #expect(task.clientSettingsJSON == #"{"epochs":2}"# && task.id.rawValue.hasPrefix("s-9-r4-"))
        }
    }

    @Test("A quota picks that many, at random but reproducibly under a fixed seed")
    func quota() throws {
        var first = SeededGenerator(seed: 7)
        var second = SeededGenerator(seed: 7)
        var other = SeededGenerator(seed: 8)
        let a = try ClientSelection(plan: Self.plan(quota: 3), eligible: Self.clients, modelSize: 7, using: &first)
        let b = try ClientSelection(plan: Self.plan(quota: 3), eligible: Self.clients, modelSize: 7, using: &second)
        let c = try ClientSelection(plan: Self.plan(quota: 3), eligible: Self.clients, modelSize: 7, using: &other)
        #expect(a.assignments.count == 3 && a.eligible == 10)
        #expect(a == b)
        #expect(a.assignments.map(\.client) != c.assignments.map(\.client))
    }

    @Test("Too few eligible clients for the minimum, or none at all: the round does not start")
    func shortfall() {
        var generator = SeededGenerator(seed: 1)
        #expect(throws: ClientSelection.Shortfall(available: 2, needed: 3)) {
            try ClientSelection(
                plan: Self.plan(minUpdates: 3),
                eligible: Array(Self.clients.prefix(2)),
                modelSize: 7,
                using: &generator
            )
        }
        #expect(throws: ClientSelection.Shortfall(available: 0, needed: 1)) {
            try ClientSelection(plan: Self.plan(), eligible: [], modelSize: 7, using: &generator)
        }
        #expect(
            "\(ClientSelection.Shortfall(available: 0, needed: 1))"
                == "0 clients are online and idle; the round needs at least 1"
        )
    }
}
