import FedgeAPIModels
import FedgeCore
import FedgeSecurity
import FedgeServerKit
import FedgeStore
import Foundation
import Hummingbird

/// Tokens for people and kits for nodes (admin only, by the access matrix).
struct AccessRoutes {
    let api: ControllerAPI

    var endpoints: RouteCollection<FedgeRequestContext> {
        let routes = RouteCollection(context: FedgeRequestContext.self)
        let c = self.api.controller

        routes.on(RouterPath(API.tokens), method: .get) { request, _ in
            let all = request.query("all") == "true"
            let query = try ControllerAPI.listQuery(request, filters: [])
            let tokens = try await c.database.tokens(includeExpired: all).map(TokenDTO.init)
            let page = Array(tokens.dropFirst(query.offset).prefix(query.limit))
            return Page(items: page, total: tokens.count, offset: query.offset, limit: query.limit)
        }
        routes.on(RouterPath(API.tokens), method: .post) { request, context in
            let body = try await request.decode(as: CreateTokenRequest.self, context: context)
            guard let role = Role(rawValue: body.role) else {
                throw APIError.badRequest(
                    "'\(body.role.prefix(32))' is not a role; people's roles are admin, operator and observer."
                )
            }
            let (token, record) = try await Self.mapped {
                try await c.createToken(
                    name: body.name,
                    role: role,
                    ttl: try Self.ttl(body.ttlSeconds, default: TokenLifetime.people),
                    by: context.actor
                )
            }
            return EditedResponse(status: .created, response: CreatedTokenDTO(token: token, record: TokenDTO(record)))
        }
        routes.on(RouterPath(API.tokens + "/:id"), method: .delete) { _, context in
            let id = context.parameters.get("id") ?? ""
            return TokenDTO(try await Self.mapped { try await c.revokeToken(id, by: context.actor) })
        }
        for (path, role) in [(API.combinerEnrollments, Role.combiner), (API.clientEnrollments, Role.client)] {
            routes.on(RouterPath(path), method: .post) { request, context in
                let body = try await request.decode(as: EnrollRequest.self, context: context)
                let (kit, record) = try await Self.mapped {
                    try await c.enroll(
                        role: role,
                        name: body.name,
                        hosts: body.hosts ?? [],
                        ttl: try Self.ttl(body.ttlSeconds, default: TokenLifetime.nodes),
                        controllerAddress: body.controller,
                        by: context.actor
                    )
                }
                return EditedResponse(
                    status: .created,
                    response: EnrollmentDTO(
                        kit: String(decoding: try kit.encoded(), as: UTF8.self),
                        record: TokenDTO(record)
                    )
                )
            }
        }
        return routes
    }

    private static func ttl(_ seconds: Int?, default fallback: Duration) throws -> Duration {
        guard let seconds else { return fallback }
        guard seconds > 0, Duration.seconds(seconds) <= TokenLifetime.maximum else {
            throw APIError.badRequest("ttl_seconds must be from 1 second to 100 years (got \(seconds)).")
        }
        return .seconds(seconds)
    }

    private static func mapped<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as AccessRequestError {
            switch error {
            case .notFound: throw APIError(.notFound, error.description)
            case .invalid: throw APIError(.badRequest, error.description)
            }
        }
    }
}

extension TokenDTO {
    init(_ record: TokenRecord) {
        self.init(
            id: record.id,
            subject: record.subject,
            role: record.role,
            createdAt: record.createdAt,
            expiresAt: record.expiresAt,
            revokedAt: record.revokedAt,
            createdBy: record.createdBy
        )
    }
}
