package import FedgeAPIClient
package import FedgeAPIModels
import Foundation

/// Fetches what the console shows from a controller's API (or a combiner's, for its local view).
package struct ConsoleFeed: Sendable {
    package let api: APIClient
    /// Whether the endpoint is a combiner's control socket.
    package let combiner: Bool

    package init(api: APIClient, combiner: Bool) {
        self.api = api
        self.combiner = combiner
    }

    /// A fresh snapshot: `data` with everything but the events replaced by the API's answers; on failure the
    /// old data, marked disconnected, with the reason.
    package func refresh(_ data: ConsoleData) async -> ConsoleData {
        var next = data
        do {
            if self.combiner {
                try await self.refreshCombiner(&next)
            } else {
                try await self.refreshController(&next)
            }
            next.connected = true
            next.problem = nil
            next.updatedAt = Date()
        } catch {
            next.connected = false
            next.problem = "\(error)"
        }
        return next
    }

    private func refreshController(_ data: inout ConsoleData) async throws {
        let api = self.api
        async let health = api.health()
        async let combiners = api.listCombiners(limit: 1000)
        async let clients = api.listClients(limit: 1000)
        async let sessions = api.listSessions(limit: 200)
        async let rounds = api.listRounds(limit: 500)
        async let models = api.listModels(limit: 1000)
        data.health = try await health
        data.combiners = try await combiners.items
        data.clients = try await clients.items
        data.sessions = try await sessions.items
        data.rounds = try await rounds.items
        data.models = try await models.items
        if let session = data.focusSession?.id {
            data.metrics = try await api.listMetrics(session: session, limit: 1000).items.filter { $0.client == nil }
                .reversed()
        } else {
            data.metrics = []
        }
    }

    private func refreshCombiner(_ data: inout ConsoleData) async throws {
        let api = self.api
        async let health = api.health()
        async let status = api.combinerStatus()
        async let clients = api.listClients(limit: 1000)
        async let events = api.listEvents(limit: 200)
        data.health = try await health
        let local = try await status
        data.clients = try await clients.items
        data.combiners = [
            CombinerDTO(
                name: local.name,
                address: local.address,
                status: local.attached ? "online" : "offline",
                firstSeen: Date(),
                lastSeen: Date(),
                clientsOnline: local.clientsOnline,
                clientsStale: local.clientsStale,
                clientsOffline: local.clientsOffline
            )
        ]
        data.append(events: try await events.items)
        if let round = local.round {
            let live = RoundDTO(
                session: round.session,
                number: round.round,
                status: "running",
                startedAt: Date(),
                endedAt: nil,
                deadline: round.deadline,
                minimum: round.minimum,
                expected: round.selected,
                received: round.received,
                model: nil,
                reason: nil,
                participation: [
                    ParticipationDTO(
                        combiner: local.name,
                        selected: round.selected,
                        received: round.received,
                        failed: round.failed,
                        refused: local.updatesRefused.values.reduce(0, +),
                        partial: nil
                    )
                ]
            )
            data.rounds = [live]
        } else {
            data.rounds = []
        }
    }

    /// The controller's live events, from those after `since` on. Ends with an error when the stream breaks.
    package func events(since: Int64) -> AsyncThrowingStream<EventDTO, any Error> {
        self.api.events(query: ["since": "\(since)"])
    }
}
