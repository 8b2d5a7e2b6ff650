import FedgeAPIModels
import Foundation
package import Hummingbird
import Logging

/// Requires `Authorization: Bearer <token>` on every route but `/health` (used on TCP listeners; the control
/// socket's file permissions are its authentication).
package struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    package let token: String

    package init(token: String) { self.token = token }

    package func handle(
        _ request: Request,
        context: Context,
        next: @concurrent (Request, Context) async throws -> Response
    ) async throws -> Response {
        if request.uri.path == API.health { return try await next(request, context) }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw APIError(
                .unauthorized,
                "This API needs a token: pass --token (or set FEDGE_TOKEN), or use the local control socket."
            )
        }
        guard Self.constantTimeEqual(Array(header.dropFirst(7).utf8), Array(self.token.utf8)) else {
            throw APIError(.unauthorized, "The token was not accepted; check --token or FEDGE_TOKEN.")
        }
        return try await next(request, context)
    }

    private static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
