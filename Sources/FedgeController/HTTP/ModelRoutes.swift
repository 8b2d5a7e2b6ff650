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

    func register(_ table: inout RouteTable<FedgeRequestContext>) {
        let c = self.api.controller
        let db = c.database
        table.on(.get, API.models) { request, _ in
            let query = try ControllerAPI.listQuery(request, filters: ["session"])
            let (items, total) = try db.models(query)
            let active = try db.activeModel()
            return Page(items: try self.api.models(items, active: active), total: total,
                        offset: query.offset, limit: query.limit)
        }
        table.on(.post, API.models) { request, context in
            let upload = c.configuration.directory.appendingPathComponent("uploads")
            let path = try await ControllerAPI.spool(request.body, into: upload)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let activate = request.query("activate").map { $0 == "true" || $0 == "1" } ?? false
            let existed = try c.database.modelCount()
            let record = try await c.addSeed(fileAt: path, actor: "operator", activate: activate)
            let created = try c.database.modelCount() > existed
            return EditedResponse(status: created ? .created : .ok, response: try self.api.model(record, active: try db.activeModel(), detailed: true))
        }
        table.on(.get, API.activeModel) { _, _ in
            guard let active = try db.activeModel(), let record = try db.model(active) else {
                throw APIError.notFound("No model is active yet; upload a seed with `fedge model upload FILE --activate`.")
            }
            return try self.api.model(record, active: active, detailed: true)
        }
        table.on(.put, API.activeModel) { request, context in
            let body = try await request.decode(as: ActivateModelRequest.self, context: context)
            let id = try self.api.resolveModel(body.model)
            try db.setActiveModel(id)
            await c.journal.record(kind: "model.activated", actor: "operator", subject: id.hex, message: "Model \(id.shortPrefix) is now the active model")
            return try self.api.model(try db.model(id)!, active: id, detailed: true)
        }
        table.on(.get, API.trailCheck) { _, _ in
            let problems = try db.verifyTrail(blobs: c.blobs)
            return TrailCheckDTO(models: try db.modelCount(), problems: problems.map(\.description))
        }
        table.on(.get, API.models + "/:id") { _, context in
            let id = try self.api.resolveModel(context.parameters.get("id") ?? "")
            return try self.api.model(try db.model(id)!, active: try db.activeModel(), detailed: true)
        }
        table.on(.get, API.models + "/:id/file") { _, context in
            let id = try self.api.resolveModel(context.parameters.get("id") ?? "")
            let path = c.blobs.path(for: id)
            guard c.blobs.contains(id) else {
                throw APIError(.internal, "Model \(id.shortPrefix) is in the trail but its file is missing from the blob store; run `fedge model verify`.")
            }
            let size = c.blobs.size(of: id)
            let body = try await FileIO().loadFile(path: path, context: context)
            return Response(
                status: .ok,
                headers: [.contentType: "application/octet-stream", .contentLength: "\(size)",
                          .contentDisposition: "attachment; filename=\"\(id.hex).safetensors\""],
                body: body
            )
        }
        table.on(.get, API.models + "/:id/lineage") { _, context in
            let id = try self.api.resolveModel(context.parameters.get("id") ?? "")
            let active = try db.activeModel()
            return LineageDTO(
                model: id.hex,
                ancestors: try self.api.models(db.ancestors(of: id), active: active),
                children: try self.api.models(db.children(of: id), active: active)
            )
        }

    }
}
