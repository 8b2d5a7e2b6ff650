package import FedgeAPIModels
package import Foundation

/// What the console knows of the federation: the last answers of the API and the events seen since it started.
package struct ConsoleData: Sendable {
    /// Whether the last refresh reached the controller.
    package var connected = false
    /// Why the last refresh failed, as a sentence.
    package var problem: String?
    package var health: HealthDTO?
    package var combiners: [CombinerDTO] = []
    package var clients: [ClientDTO] = []
    /// Newest first.
    package var sessions: [SessionDTO] = []
    /// Newest first, across sessions.
    package var rounds: [RoundDTO] = []
    /// Newest first.
    package var models: [ModelDTO] = []
    /// Round-level metrics (validation means, round duration, updates), oldest first.
    package var metrics: [MetricDTO] = []
    /// Oldest first; at most `eventLimit`.
    package var events: [EventDTO] = []
    package var updatedAt: Date?

    package static let eventLimit = 1000

    package init() {}

    /// The session that is training, else the newest one.
    package var focusSession: SessionDTO? {
        self.sessions.first { $0.status == "running" } ?? self.sessions.first
    }

    /// The rounds of `session`, first to last.
    package func rounds(of session: String) -> [RoundDTO] {
        self.rounds.filter { $0.session == session }.sorted { $0.number < $1.number }
    }

    /// Adds events (live or replayed), keeping them unique, in order, and bounded.
    package mutating func append(events new: [EventDTO]) {
        var known = Set(self.events.filter { $0.id > 0 }.map(\.id))
        for event in new where event.id == 0 || known.insert(event.id).inserted {
            self.events.append(event)
        }
        self.events.sort { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        if self.events.count > Self.eventLimit { self.events.removeFirst(self.events.count - Self.eventLimit) }
    }

    /// Client counts by status.
    package var clientCounts: (online: Int, stale: Int, offline: Int) {
        (
            self.clients.count { $0.status == "online" }, self.clients.count { $0.status == "stale" },
            self.clients.count { $0.status == "offline" }
        )
    }
}
