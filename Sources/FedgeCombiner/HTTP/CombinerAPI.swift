package import FedgeAPIModels
import FedgeCore
package import FedgeServerKit
import Foundation
package import Hummingbird
import Synchronization

/// Recent notable events at a combiner (attach, rounds), kept in memory for its control socket.
package final class CombinerEvents: Sendable {
    private let state = Mutex<(next: Int64, events: [EventDTO])>((1, []))
    private let capacity: Int

    package init(capacity: Int = 500) { self.capacity = capacity }

    package func record(_ kind: String, subject: String? = nil, _ message: String) {
        self.state.withLock { state in
            state.events.append(EventDTO(id: state.next, kind: kind, actor: "combiner", subject: subject, message: message, createdAt: Date(), hash: ""))
            state.next += 1
            if state.events.count > self.capacity { state.events.removeFirst(state.events.count - self.capacity) }
        }
    }

    /// Newest first.
    package func recent(limit: Int, offset: Int) -> (items: [EventDTO], total: Int) {
        self.state.withLock { state in
            let newest = Array(state.events.reversed())
            return (Array(newest.dropFirst(offset).prefix(limit)), newest.count)
        }
    }
}

/// A combiner's own small REST API, on its control socket: status, clients, the current round, recent events.
package struct CombinerAPI: Sendable {
    let combiner: Combiner
    let link: LinkStatus?
    let controller: String?
    let events: CombinerEvents
    let startedAt = Date()

    package init(combiner: Combiner, link: LinkStatus?, controller: String?, events: CombinerEvents) {
        self.combiner = combiner
        self.link = link
        self.controller = controller
        self.events = events
    }

    package func router() -> Router<FedgeRequestContext> {
        let router = Router(context: FedgeRequestContext.self)
        router.add(middleware: APIErrorMiddleware())
        var table = RouteTable(router: router)
        let combiner = self.combiner
        table.on(.get, API.health) { _, _ in
            HealthDTO(status: "ok", role: "combiner", name: combiner.configuration.name, version: "0.1.0",
                      uptimeSeconds: Date().timeIntervalSince(self.startedAt))
        }
        table.on(.get, API.combinerStatus) { _, _ in
            let clients = await combiner.registry.snapshots()
            let refusals = await combiner.runner.refusals
            return CombinerStatusDTO(
                name: combiner.configuration.name, address: "\(combiner.configuration.listen)", controller: self.controller,
                attached: self.link?.isAttached ?? false,
                clientsOnline: clients.count { $0.liveness == .online }, clientsStale: clients.count { $0.liveness == .stale },
                clientsOffline: clients.count { $0.liveness == .offline },
                updatesAccepted: await combiner.runner.acceptedUpdates,
                updatesRefused: Dictionary(uniqueKeysWithValues: refusals.map { ($0.key.rawValue, $0.value) }),
                round: await self.currentRound()
            )
        }
        table.on(.get, API.clients) { request, _ in
            let limit = try request.intQuery("limit", default: 50)
            let offset = try request.intQuery("offset", default: 0)
            let status = request.query("status")
            let all = await combiner.registry.snapshots().filter { status == nil || $0.liveness.rawValue == status }.sorted { $0.name < $1.name }
            let items = all.dropFirst(max(0, offset)).prefix(max(0, limit)).map { client in
                ClientDTO(
                    name: client.name, combiner: combiner.configuration.name, status: client.liveness.rawValue, firstSeen: client.lastSeen,
                    lastSeen: client.lastSeen, tasksDone: client.tasksDone, tasksFailed: client.tasksFailed,
                    telemetry: TelemetryDTO(client.telemetry)
                )
            }
            return Page(items: Array(items), total: all.count, offset: offset, limit: limit)
        }
        table.on(.get, API.prefix + "/rounds/current") { _, _ in
            guard let round = await self.currentRound() else {
                throw APIError.notFound("No round is running at combiner \(combiner.configuration.name).")
            }
            return round
        }
        table.on(.get, API.events) { request, _ in
            let limit = try request.intQuery("limit", default: 50)
            let offset = try request.intQuery("offset", default: 0)
            let (items, total) = self.events.recent(limit: max(0, limit), offset: max(0, offset))
            return Page(items: items, total: total, offset: offset, limit: limit)
        }
        return router
    }

    private func currentRound() async -> CombinerRoundDTO? {
        guard let progress = await self.combiner.runner.progress() else { return nil }
        return CombinerRoundDTO(
            session: progress.plan.session, round: progress.plan.round, kind: progress.plan.kind.rawValue, selected: progress.selected,
            received: progress.received, failed: progress.failed, minimum: progress.plan.minUpdates, bufferSize: progress.plan.bufferSize,
            deadline: progress.plan.deadline
        )
    }
}
