package import Foundation

/// The round a combiner is running.
package struct CombinerRoundDTO: Sendable, Hashable, Codable {
    package var session: String
    package var round: Int
    package var kind: String
    package var selected: Int
    package var received: Int
    package var failed: Int
    package var minimum: Int
    package var bufferSize: Int
    package var deadline: Date

    package init(
        session: String,
        round: Int,
        kind: String,
        selected: Int,
        received: Int,
        failed: Int,
        minimum: Int,
        bufferSize: Int,
        deadline: Date
    ) {
        self.session = session
        self.round = round
        self.kind = kind
        self.selected = selected
        self.received = received
        self.failed = failed
        self.minimum = minimum
        self.bufferSize = bufferSize
        self.deadline = deadline
    }
}
