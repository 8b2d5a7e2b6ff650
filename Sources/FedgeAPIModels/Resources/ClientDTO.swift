package import Foundation

/// An edge client: `online`, `stale` (silent for a while, given no new tasks) or `offline`.
package struct ClientDTO: Sendable, Hashable, Codable {
    package var name: String
    package var combiner: String?
    package var status: String
    package var firstSeen: Date
    package var lastSeen: Date
    package var tasksDone: Int
    package var tasksFailed: Int
    package var telemetry: TelemetryDTO?
    /// When its current connection said hello; only a combiner's own API reports it (the controller hears of
    /// clients through heartbeats and does not know their connections).
    package var connectedSince: Date?

    package init(
        name: String,
        combiner: String?,
        status: String,
        firstSeen: Date,
        lastSeen: Date,
        tasksDone: Int,
        tasksFailed: Int,
        telemetry: TelemetryDTO?,
        connectedSince: Date? = nil
    ) {
        self.name = name
        self.combiner = combiner
        self.status = status
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.tasksDone = tasksDone
        self.tasksFailed = tasksFailed
        self.telemetry = telemetry
        self.connectedSince = connectedSince
    }
}
