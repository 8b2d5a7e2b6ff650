import FedgeAPIModels
import FedgeCore
import FedgeServerKit
import FedgeStore
import Foundation
import Hummingbird
import NIOCore

/// The model trail: list, show, upload a seed, download, the active model, lineage, verification.
struct ModelRoutes {
    let api: ControllerAPI

    /// The routes, at their full paths.
    var endpoints: RouteCollection<FedgeRequestContext> {
        let routes = RouteCollection(context: FedgeRequestContext.self)
        let c = self.api.controller
        let db = c.database
        routes.on(RouterPath(API.models), method: .get) { request, _ in
            let query = try ControllerAPI.listQuery(request, filters: ["session"])
            let (items, total) = try await db.models(query)
            let active = try await db.activeModel()
            return await Page(
                items: try self.api.models(items, active: active),
                total: total,
                offset: query.offset,
                limit: query.limit
            )
        }
        routes.on(RouterPath(API.models), method: .post) { request, context in
            let upload = c.configuration.directory.appendingPathComponent("uploads")
            let path = try await ControllerAPI.spool(request.body, into: upload)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let activate = request.query("activate").map { $0 == "true" || $0 == "1" } ?? false
            let existed = try await c.database.modelCount()
            let record = try await c.addSeed(fileAt: path, actor: context.actor, activate: activate)
            let created = try await c.database.modelCount() > existed
            return await EditedResponse(
                status: created ? .created : .ok,
                response: try self.api.model(record, active: try db.activeModel(), detailed: true)
            )
        }
        routes.on(RouterPath(API.activeModel), method: .get) { _, _ in
            guard let active = try await db.activeModel(), let record = try await db.model(active) else {
                throw APIError.notFound(
                    "No model is active yet; upload a seed with `fedge model upload FILE --activate`."
                )
            }
            return try await self.api.model(record, active: active, detailed: true)
        }
        routes.on(RouterPath(API.activeModel), method: .put) { request, context in
            let body = try await request.decode(as: ActivateModelRequest.self, context: context)
            let id = try await self.api.resolveModel(body.model)
            try await db.setActiveModel(id)
            await c.auditTrail.record(
                kind: "model.activated",
                by: context.actor,
                subject: id.hex,
                message: "Model \(id.shortPrefix) is now the active model"
            )
            return try await self.api.model(try db.model(id)!, active: id, detailed: true)
        }
        routes.on(RouterPath(API.trailCheck), method: .get) { _, _ in
            let problems = try await db.verifyTrail(blobs: c.blobs)
            return await TrailCheckDTO(models: try db.modelCount(), problems: problems.map(\.description))
        }
        routes.on(RouterPath(API.models + "/:id"), method: .get) { _, context in
            let id = try await self.api.resolveModel(context.parameters.get("id") ?? "")
            return try await self.api.model(try db.model(id)!, active: try db.activeModel(), detailed: true)
        }
        routes.on(RouterPath(API.models + "/:id/file"), method: .get) { _, context in
            let id = try await self.api.resolveModel(context.parameters.get("id") ?? "")
            let path = c.blobs.path(for: id)
            guard c.blobs.contains(id) else {
                throw APIError(
                    .internal,
                    "Model \(id.shortPrefix) is in the trail but its file is missing from the blob store; run `fedge model verify`."
                )
            }
            let size = c.blobs.size(of: id)
            let body = try await FileIO().loadFile(path: path, context: context)
            return Response(
                status: .ok,
                headers: [
                    .contentType: "application/octet-stream", .contentLength: "\(size)",
                    .contentDisposition: "attachment; filename=\"\(id.hex).safetensors\"",
                ],
                body: body
            )
        }
        routes.on(RouterPath(API.models + "/:id/lineage"), method: .get) { _, context in
            let id = try await self.api.resolveModel(context.parameters.get("id") ?? "")
            let active = try await db.activeModel()
            return await LineageDTO(
                model: id.hex,
                ancestors: try self.api.models(db.ancestors(of: id), active: active),
                children: try self.api.models(db.children(of: id), active: active)
            )
        }
        return routes
    }
}
