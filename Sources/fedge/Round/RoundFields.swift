import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels
import Foundation

enum RoundFields {
    /// The round's duration, or the time so far with `…` while it runs.
    static func duration(_ round: RoundDTO) -> String {
        if let seconds = round.durationSeconds { return Format.duration(seconds) }
        return Format.duration(Date().timeIntervalSince(round.startedAt)) + "…"
    }
}
