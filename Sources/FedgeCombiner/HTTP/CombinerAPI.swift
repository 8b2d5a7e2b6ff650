import FedgeAPIModels
import FedgeCore
package import FedgeServerKit
import Foundation
package import Hummingbird

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
        router.addRoutes(self.endpoints)
        router.add(middleware: MethodNotAllowedMiddleware(routes: router.routes))
        return router
    }

    /// The routes, at their full paths.
    var endpoints: RouteCollection<FedgeRequestContext> {
        let routes = RouteCollection(context: FedgeRequestContext.self)
        let combiner = self.combiner
        routes.on(RouterPath(API.health), method: .get) { _, _ in
            HealthDTO(
                status: "ok",
                role: "combiner",
                name: combiner.configuration.name,
                version: "0.1.0",
                uptimeSeconds: Date().timeIntervalSince(self.startedAt)
            )
        }
        routes.on(RouterPath(API.combinerStatus), method: .get) { _, _ in
            let clients = await combiner.registry.snapshots()
            let refusals = await combiner.runner.refusals
            return CombinerStatusDTO(
                name: combiner.configuration.name,
                address: "\(combiner.configuration.listen)",
                controller: self.controller,
                attached: self.link?.isAttached ?? false,
                clientsOnline: clients.count { $0.liveness == .online },
                clientsStale: clients.count { $0.liveness == .stale },
                clientsOffline: clients.count { $0.liveness == .offline },
                updatesAccepted: await combiner.runner.acceptedUpdates,
                updatesRefused: Dictionary(uniqueKeysWithValues: refusals.map { ($0.key.rawValue, $0.value) }),
                round: await self.currentRound()
            )
        }
        routes.on(RouterPath(API.clients), method: .get) { request, _ in
            let limit = try request.intQuery("limit", default: 50)
            let offset = try request.intQuery("offset", default: 0)
            let status = request.query("status")
            let all = await combiner.registry.snapshots().filter { status == nil || $0.liveness.rawValue == status }
                .sorted { $0.name < $1.name }
            let items = all.dropFirst(max(0, offset)).prefix(max(0, limit)).map { client in
                ClientDTO(
                    name: client.name,
                    combiner: combiner.configuration.name,
                    status: client.liveness.rawValue,
                    firstSeen: client.firstSeen,
                    lastSeen: client.lastSeen,
                    tasksDone: client.tasksDone,
                    tasksFailed: client.tasksFailed,
                    telemetry: TelemetryDTO(client.telemetry),
                    connectedSince: client.connectedSince
                )
            }
            return Page(items: Array(items), total: all.count, offset: offset, limit: limit)
        }
        routes.on(RouterPath(API.prefix + "/rounds/current"), method: .get) { _, _ in
            guard let round = await self.currentRound() else {
                throw APIError.notFound("No round is running at combiner \(combiner.configuration.name).")
            }
            return round
        }
        routes.on(RouterPath(API.events), method: .get) { request, _ in
            let limit = try request.intQuery("limit", default: 50)
            let offset = try request.intQuery("offset", default: 0)
            let (items, total) = self.events.recent(limit: max(0, limit), offset: max(0, offset))
            return Page(items: items, total: total, offset: offset, limit: limit)
        }
        return routes
    }

    private func currentRound() async -> CombinerRoundDTO? {
        guard let progress = await self.combiner.runner.progress() else { return nil }
        return CombinerRoundDTO(
            session: progress.plan.session.rawValue,
            round: progress.plan.round,
            kind: progress.plan.kind.rawValue,
            selected: progress.selected,
            received: progress.received,
            failed: progress.failed,
            minimum: progress.plan.minUpdates,
            bufferSize: progress.plan.bufferSize,
            deadline: progress.plan.deadline
        )
    }
}
