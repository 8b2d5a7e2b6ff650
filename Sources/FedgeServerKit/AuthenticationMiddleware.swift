import FedgeAPIModels
package import FedgeSecurity
import Foundation
package import Hummingbird

/// Who may call the REST API, decided by the one access matrix: on TCP the bearer token names the caller and its
/// role (verified: signature, expiry, revocation); on the control socket the caller is admin, because only who can
/// open the socket file gets there. Every route needs a rule in `RouteRules` (only `/health` is public); the
/// caller's identity lands in the context for the audit trail.
package struct AuthenticationMiddleware<Context: IdentifiedRequestContext>: RouterMiddleware {
    /// How callers prove who they are on this listener.
    package enum Mode: Sendable {
        case controlSocket
        case tokens(TokenVerifier)
    }

    package let mode: Mode
    /// Told of every refusal (the error, `METHOD /route`, the peer's address, the name the token claimed).
    package let refused: @Sendable (AccessError, String, String, String?) async -> Void

    package init(mode: Mode, refused: @escaping @Sendable (AccessError, String, String, String?) async -> Void) {
        self.mode = mode
        self.refused = refused
    }

    package func handle(
        _ request: Request,
        context: Context,
        next: @concurrent (Request, Context) async throws -> Response
    ) async throws -> Response {
        // No route matched: the router answers 404 (nothing is served, nothing to guard).
        guard let template = context.endpointPath else { return try await next(request, context) }
        let route = RouteRules.key(method: request.method.rawValue, template: template)
        let address = context.remoteAddress ?? "unknown"
        var context = context
        do {
            guard let permission = try RouteRules.permission(method: request.method.rawValue, template: template)
            else {
                return try await next(request, context)
            }
            let identity: Identity
            switch self.mode {
            case .controlSocket:
                identity = .controlSocket
            case .tokens(let verifier):
                identity = Identity(
                    try await verifier.verify(authorization: request.headers[.authorization]),
                    address: address
                )
            }
            guard AccessPolicy.allows(identity.role, permission) else {
                throw AccessError.forbidden(role: identity.role, permission: permission.summary)
            }
            context.identity = identity
        } catch let error as AccessError {
            var claimed: String? = nil
            if case .tokens(let verifier) = self.mode {
                claimed = await verifier.claimedSubject(authorization: request.headers[.authorization])
            }
            await self.refused(error, route, address, claimed)
            switch error {
            case .forbidden, .noRule, .identityMismatch: throw APIError(.forbidden, error.description)
            default: throw APIError(.unauthorized, error.description)
            }
        }
        return try await next(request, context)
    }
}

/// A request context that carries the caller's proven identity and address.
package protocol IdentifiedRequestContext: RequestContext {
    var identity: Identity? { get set }
    var remoteAddress: String? { get }
}
