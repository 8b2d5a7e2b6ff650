import FedgeAPIModels
import FedgeCore
import FedgeServerKit
import FedgeStore
import Foundation
import Hummingbird
import NIOCore

/// Health, Prometheus metrics, combiners and clients.
struct FederationRoutes {
    let api: ControllerAPI

    /// The routes, at their full paths.
    var endpoints: RouteCollection<FedgeRequestContext> {
        let routes = RouteCollection(context: FedgeRequestContext.self)
        let c = self.api.controller
        let db = c.database

        routes.on(RouterPath(API.health), method: .get) { _, _ in
            HealthDTO(
                status: "ok",
                role: "controller",
                name: "controller",
                version: "0.1.0",
                uptimeSeconds: Date().timeIntervalSince(c.startedAt),
                transport: c.configuration.insecure ? "insecure" : "tls"
            )
        }
        routes.on(RouterPath(API.metrics), method: .get) { _, _ in
            try await self.api.refreshGauges()
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: c.metrics.render()))
            )
        }

        routes.on(RouterPath(API.combiners), method: .get) { request, _ in
            let (items, total) = try await db.combiners(try ControllerAPI.listQuery(request, filters: ["status"]))
            let counts = try await db.clientCounts()
            return Page(
                items: items.map { CombinerDTO($0, counts: counts[$0.name.rawValue] ?? [:]) },
                total: total,
                offset: try request.intQuery("offset", default: 0),
                limit: try request.intQuery("limit", default: 50)
            )
        }
        routes.on(RouterPath(API.clients), method: .get) { request, _ in
            let query = try ControllerAPI.listQuery(request, filters: ["status", "combiner"])
            let (items, total) = try await db.clients(query)
            return Page(items: items.map(ClientDTO.init), total: total, offset: query.offset, limit: query.limit)
        }
        return routes
    }
}
