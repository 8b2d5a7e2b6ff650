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

    func register(_ table: inout RouteTable<FedgeRequestContext>) {
        let c = self.api.controller
        let db = c.database

        table.on(.get, API.health) { _, _ in
            HealthDTO(status: "ok", role: "controller", name: "controller", version: "0.1.0", uptimeSeconds: Date().timeIntervalSince(c.startedAt))
        }
        table.on(.get, API.metrics) { _, _ in
            try self.api.refreshGauges()
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: c.metrics.render())))
        }

        table.on(.get, API.combiners) { request, _ in
            let (items, total) = try db.combiners(try ControllerAPI.listQuery(request, filters: ["status"]))
            let counts = try db.clientCounts()
            return Page(items: items.map { CombinerDTO($0, counts: counts[$0.name] ?? [:]) }, total: total,
                        offset: try request.intQuery("offset", default: 0), limit: try request.intQuery("limit", default: 50))
        }
        table.on(.get, API.clients) { request, _ in
            let query = try ControllerAPI.listQuery(request, filters: ["status", "combiner"])
            let (items, total) = try db.clients(query)
            return Page(items: items.map(ClientDTO.init), total: total, offset: query.offset, limit: query.limit)
        }

    }
}
