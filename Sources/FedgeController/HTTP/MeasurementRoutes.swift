import FedgeAPIModels
import FedgeCore
import FedgeServerKit
import FedgeStore
import Foundation
import Hummingbird
import NIOCore

/// Validations, metrics, the audit trail (list, verify, live stream) and compute packages.
struct MeasurementRoutes {
    let api: ControllerAPI

    /// The routes, at their full paths.
    var endpoints: RouteCollection<FedgeRequestContext> {
        let routes = RouteCollection(context: FedgeRequestContext.self)
        let c = self.api.controller
        let db = c.database
        routes.on(RouterPath(API.validations), method: .get) { request, _ in
            var query = try ControllerAPI.listQuery(request, filters: ["client"])
            if let model = request.query("model") {
                query.filters["model"] = try await self.api.resolveModel(model).hex
            }
            let (items, total) = try await db.validations(query)
            return Page(items: items.map(ValidationDTO.init), total: total, offset: query.offset, limit: query.limit)
        }
        routes.on(RouterPath(API.metricsList), method: .get) { request, _ in
            var query = try ControllerAPI.listQuery(request, filters: ["session", "client", "name"])
            if let round = try request.intQuery("round") { query.filters["round"] = String(round) }
            let (items, total) = try await db.metrics(query)
            return Page(items: items.map(MetricDTO.init), total: total, offset: query.offset, limit: query.limit)
        }
        routes.on(RouterPath(API.events), method: .get) { request, _ in
            var query = try ControllerAPI.listQuery(request, filters: ["kind", "subject", "actor", "outcome"])
            if let since = request.uri.queryParameters["since"].map(String.init) {
                guard let date = API.parseDate(since) else {
                    throw APIError.badRequest("since='\(since)' is not a time; write it as 2026-12-05T10:00:00Z.")
                }
                query.since = date
            }
            let (items, total) = try await db.auditEvents(query)
            return Page(items: items.map(EventDTO.init), total: total, offset: query.offset, limit: query.limit)
        }
        routes.on(RouterPath(API.auditCheck), method: .get) { _, _ in
            let check = try await db.checkAuditTrail()
            return AuditCheckDTO(events: check.events, brokenAt: check.brokenAt, head: check.head)
        }
        routes.on(RouterPath(API.eventStream), method: .get) { request, _ in
            // Resumes after `since`, or after the id a reconnecting EventSource sends in Last-Event-ID.
            // Both are ids this stream sent, so anything but a whole number is a mistake worth saying.
            let header = request.headers.first { $0.name.canonicalName == "last-event-id" }?.value
            if let header, Int64(header) == nil {
                throw APIError.badRequest("Last-Event-ID '\(header.prefix(64))' is not an event id (a whole number).")
            }
            let since =
                try request.intQuery("since").map(Int64.init) ?? header.flatMap { Int64($0) }
            let kinds = Set((request.query("kind") ?? "").split(separator: ",").map(String.init))
            return EventStream.response(
                feed: c.auditTrail.feed,
                kinds: kinds,
                replay: {
                    guard let since else { return [] }
                    return try await db.auditEvents(after: since).map(EventDTO.init)
                }
            )
        }
        routes.on(RouterPath(API.packages), method: .get) { request, _ in
            let query = try ControllerAPI.listQuery(request, filters: ["name"])
            let (items, total) = try await db.packages(query)
            let active = try await db.activePackage()
            return Page(
                items: items.map { PackageDTO($0, active: active) },
                total: total,
                offset: query.offset,
                limit: query.limit
            )
        }
        routes.on(RouterPath(API.packages + "/:id"), method: .get) { _, context in
            let id = try await self.api.resolvePackage(context.parameters.get("id") ?? "")
            guard let record = try await db.package(id) else { throw APIError.notFound("No package \(id.hex).") }
            return PackageDTO(record, active: try await db.activePackage())
        }
        routes.on(RouterPath(API.packages + "/:id/activate"), method: .post) { _, context in
            let id = try await self.api.resolvePackage(context.parameters.get("id") ?? "")
            guard let record = try await db.package(id) else { throw APIError.notFound("No package \(id.hex).") }
            try await db.activatePackage(id)
            await c.auditTrail.record(
                kind: "package.activated",
                by: context.actor,
                subject: id.hex,
                message: "Compute package \(record.name) (\(id.shortPrefix)) is active: new sessions run it"
            )
            return PackageDTO(record, active: id)
        }
        routes.on(RouterPath(API.packages), method: .post) { request, context in
            guard let name = request.query("name"), name.count <= 200, !name.contains("/") else {
                throw APIError.badRequest(
                    "Give the package a name with ?name=NAME (no slashes, at most 200 characters)."
                )
            }
            let upload = c.configuration.directory.appendingPathComponent("uploads")
            let path = try await ControllerAPI.spool(request.body, into: upload)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
            guard size > 0 else {
                throw APIError.badRequest("The package is empty; send the archive's bytes as the request body.")
            }
            let id = try c.blobs.put(fileAt: path)
            let record = try await db.insertPackage(
                PackageRecord(id: id.hex, name: name, createdAt: Date(), size: size)
            )
            await c.auditTrail.record(
                kind: "package.uploaded",
                by: context.actor,
                subject: id.hex,
                message: "Compute package \(name) (\(id.shortPrefix), \(size) bytes) uploaded"
            )
            if request.query("activate") == "true" {
                try await db.activatePackage(id)
                await c.auditTrail.record(
                    kind: "package.activated",
                    by: context.actor,
                    subject: id.hex,
                    message: "Compute package \(record.name) (\(id.shortPrefix)) is active: new sessions run it"
                )
            }
            return EditedResponse(
                status: .created,
                response: PackageDTO(record, active: try await db.activePackage())
            )
        }
        return routes
    }
}
