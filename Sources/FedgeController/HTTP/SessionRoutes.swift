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

    /// The routes, at their full paths.
    var endpoints: RouteCollection<FedgeRequestContext> {
        let routes = RouteCollection(context: FedgeRequestContext.self)
        let c = self.api.controller
        let db = c.database
        routes.on(RouterPath(API.sessions), method: .get) { request, _ in
            let query = try ControllerAPI.listQuery(request, filters: ["status"])
            let (items, total) = try await db.sessions(query)
            var sessions: [SessionDTO] = []
            for item in items { sessions.append(try await self.api.session(item)) }
            return Page(items: sessions, total: total, offset: query.offset, limit: query.limit)
        }
        routes.on(RouterPath(API.sessions), method: .post) { request, context in
            let dto = try await request.decode(as: SessionConfigDTO.self, context: context)
            var config: SessionConfig
            do {
                config = try SessionConfig(dto)
            } catch {
                throw APIError(.invalidConfig, "\(error)")
            }
            if let text = dto.modelId { config.model = try await self.api.resolveModel(text) }
            if let text = dto.packageId { config.package = try await self.api.resolvePackage(text) }
            let record = try await c.orchestrator.createSession(config, actor: context.actor)
            return await EditedResponse(status: .created, response: try self.api.session(record))
        }
        routes.on(RouterPath(API.sessions + "/:id"), method: .get) { _, context in
            try await self.api.session(try self.api.sessionRecord(context))
        }
        routes.on(RouterPath(API.sessions + "/:id/start"), method: .post) { _, context in
            try await self.api.session(
                try await c.orchestrator.resumeSession(try self.api.sessionRecord(context).id, actor: context.actor)
            )
        }
        routes.on(RouterPath(API.sessions + "/:id/stop"), method: .post) { _, context in
            try await self.api.session(
                try await c.orchestrator.stopSession(try self.api.sessionRecord(context).id, actor: context.actor)
            )
        }
        routes.on(RouterPath(API.sessions + "/:id/rounds"), method: .get) { request, context in
            let session = try await self.api.sessionRecord(context)
            let query = try ControllerAPI.listQuery(request, filters: [], extra: ["session": session.id.rawValue])
            let (items, total) = try await db.rounds(query)
            return Page(items: try await self.api.rounds(items), total: total, offset: query.offset, limit: query.limit)
        }
        routes.on(RouterPath(API.sessions + "/:id/rounds/:number"), method: .get) { _, context in
            let session = try await self.api.sessionRecord(context)
            let text = context.parameters.get("number") ?? ""
            guard let number = Int(text),
                let round = try await db.round(session: SessionID(session.id.rawValue), number: number)
            else {
                throw APIError.notFound(
                    "Session \(session.id) has no round '\(text)'; `fedge round list --session \(session.id)` shows its rounds."
                )
            }
            return try await self.api.rounds([round])[0]
        }
        routes.on(RouterPath(API.rounds), method: .get) { request, _ in
            let query = try ControllerAPI.listQuery(request, filters: ["session", "status"])
            let (items, total) = try await db.rounds(query)
            return Page(items: try await self.api.rounds(items), total: total, offset: query.offset, limit: query.limit)
        }
        return routes
    }
}
