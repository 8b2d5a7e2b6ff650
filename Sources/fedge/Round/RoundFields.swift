import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels
import FedgeCore
import Foundation

enum RoundFields {
    /// The round's duration, or the time so far with `…` while it runs.
    static func duration(_ round: RoundDTO) -> String {
        if let seconds = round.durationSeconds { return Format.duration(seconds) }
        return Format.duration(Date().timeIntervalSince(round.startedAt)) + "…"
    }

    /// Where the round's time went, phase by phase in the round's order: "plan 2ms  download 41ms  …".
    static func phases(_ round: RoundDTO) -> String {
        guard let phases = round.phases else { return "" }
        return RoundPhase.allCases.compactMap { phase in
            phases[phase.rawValue].map { seconds in
                let time = seconds < 1 ? "\(Int((seconds * 1000).rounded()))ms" : String(format: "%.2fs", seconds)
                return "\(phase.rawValue) \(time)"
            }
        }.joined(separator: "  ")
    }
}
