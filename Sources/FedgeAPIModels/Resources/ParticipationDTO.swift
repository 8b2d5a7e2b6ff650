import Foundation

/// One combiner's part in a round.
package struct ParticipationDTO: Sendable, Hashable, Codable {
    package var combiner: String
    package var selected: Int
    package var received: Int
    package var failed: Int
    package var refused: Int
    package var partial: String?

    package init(combiner: String, selected: Int, received: Int, failed: Int, refused: Int, partial: String?) {
        self.combiner = combiner
        self.selected = selected
        self.received = received
        self.failed = failed
        self.refused = refused
        self.partial = partial
    }
}
