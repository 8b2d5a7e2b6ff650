import FedgeCore
import Testing

@Suite("Round phases")
struct RoundPhaseTests {
    @Test func readKeepsKnownFiniteNonNegativePhases() {
        let phases = RoundPhase.read([
            "plan": 0.002, "partial_upload": 0.05, "fold": 0, "collect": -1, "reduce": .nan, "commit": .infinity,
            "warp": 3,
        ])
        #expect(phases == [.plan: 0.002, .partialUpload: 0.05, .fold: 0])
    }

    @Test func namesRoundTrip() {
        let phases: [RoundPhase: Double] = Dictionary(
            uniqueKeysWithValues: RoundPhase.allCases.enumerated().map { ($0.element, Double($0.offset)) }
        )
        #expect(RoundPhase.read(phases.named) == phases)
        #expect(phases.named["partial_upload"] == Double(RoundPhase.allCases.firstIndex(of: .partialUpload)!))
    }
}
