package import Foundation

/// A round: `running`, `validating`, `committed`, `failed` or `cancelled`.
package struct RoundDTO: Sendable, Hashable, Codable {
    package var session: String
    package var number: Int
    package var status: String
    package var startedAt: Date
    package var endedAt: Date?
    package var deadline: Date?
    /// Updates the round needs to count.
    package var minimum: Int
    /// Updates asked for across combiners.
    package var expected: Int
    /// Updates received so far (live while the round runs).
    package var received: Int
    package var model: String?
    package var reason: String?
    package var participation: [ParticipationDTO]
    /// Where a committed round's time went, in seconds by phase (`plan`, `download`, `train`, `upload`, `fold`,
    /// `partial_upload`, `collect`, `reduce`, `commit`, `validation`).
    package var phases: [String: Double]?

    package init(
        session: String,
        number: Int,
        status: String,
        startedAt: Date,
        endedAt: Date?,
        deadline: Date?,
        minimum: Int,
        expected: Int,
        received: Int,
        model: String?,
        reason: String?,
        participation: [ParticipationDTO],
        phases: [String: Double]? = nil
    ) {
        self.phases = phases
        self.session = session
        self.number = number
        self.status = status
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.deadline = deadline
        self.minimum = minimum
        self.expected = expected
        self.received = received
        self.model = model
        self.reason = reason
        self.participation = participation
    }

    /// Seconds from start to end, once ended.
    package var durationSeconds: Double? { self.endedAt.map { $0.timeIntervalSince(self.startedAt) } }
}
