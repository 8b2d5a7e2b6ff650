import FedgeAPIModels
import FedgeCore
import FedgeServerKit
import FedgeStore
import Foundation
import Hummingbird
import NIOCore

/// Sessions (create, show, start, stop) and their rounds.
struct SessionRoutes {
    let api: ControllerAPI

    func register(_ table: inout RouteTable<FedgeRequestContext>) {
        let c = self.api.controller
        let db = c.database
        table.on(.get, API.sessions) { request, _ in
            let query = try ControllerAPI.listQuery(request, filters: ["status"])
            let (items, total) = try db.sessions(query)
            return Page(items: try items.map { try self.api.session($0) }, total: total, offset: query.offset, limit: query.limit)
        }
        table.on(.post, API.sessions) { request, context in
            let dto = try await request.decode(as: SessionConfigDTO.self, context: context)
            var config: SessionConfig
            do {
                config = try SessionConfig(dto)
            } catch {
                throw APIError(.invalidConfig, "\(error)")
            }
            if let text = dto.modelId { config.model = try self.api.resolveModel(text) }
            let record = try await c.orchestrator.createSession(config, actor: "operator")
            return EditedResponse(status: .created, response: try self.api.session(record))
        }
        table.on(.get, API.sessions + "/:id") { _, context in
            try self.api.session(try self.api.sessionRecord(context))
        }
        table.on(.post, API.sessions + "/:id/start") { _, context in
            try self.api.session(try await c.orchestrator.resumeSession(try self.api.sessionRecord(context).id, actor: "operator"))
        }
        table.on(.post, API.sessions + "/:id/stop") { _, context in
            try self.api.session(try await c.orchestrator.stopSession(try self.api.sessionRecord(context).id, actor: "operator"))
        }
        table.on(.get, API.sessions + "/:id/rounds") { request, context in
            let session = try self.api.sessionRecord(context)
            let query = try ControllerAPI.listQuery(request, filters: [], extra: ["session": session.id])
            let (items, total) = try db.rounds(query)
            return Page(items: try await self.api.rounds(items), total: total, offset: query.offset, limit: query.limit)
        }
        table.on(.get, API.sessions + "/:id/rounds/:number") { _, context in
            let session = try self.api.sessionRecord(context)
            let text = context.parameters.get("number") ?? ""
            guard let number = Int(text), let round = try db.round(session: session.id, number: number) else {
                throw APIError.notFound("Session \(session.id) has no round '\(text)'; `fedge round list --session \(session.id)` shows its rounds.")
            }
            return try await self.api.rounds([round])[0]
        }
        table.on(.get, API.rounds) { request, _ in
            let query = try ControllerAPI.listQuery(request, filters: ["session", "status"])
            let (items, total) = try db.rounds(query)
            return Page(items: try await self.api.rounds(items), total: total, offset: query.offset, limit: query.limit)
        }

    }
}
