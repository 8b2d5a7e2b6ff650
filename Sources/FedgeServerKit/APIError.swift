package import FedgeAPIModels
import Foundation
import Logging
package import Hummingbird

/// A refusal of the REST API: an HTTP status, a stable code and a sentence a person can act on, sent as
/// `APIErrorBody` JSON.
package struct APIError: Error, HTTPResponseError, Sendable, CustomStringConvertible {
    package var code: APIErrorCode
    package var message: String

    package init(_ code: APIErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    package static func notFound(_ message: String) -> APIError { APIError(.notFound, message) }
    package static func badRequest(_ message: String) -> APIError { APIError(.badRequest, message) }
    package static func conflict(_ message: String) -> APIError { APIError(.conflict, message) }

    package var status: HTTPResponse.Status { HTTPResponse.Status(code: self.code.status) }

    package var description: String { "\(self.code.rawValue): \(self.message)" }

    package func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = (try? API.makeEncoder().encode(APIErrorBody(code: self.code.rawValue, message: self.message))) ?? Data()
        return Response(
            status: self.status,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}

/// A domain error that knows its API form; the middleware maps it at the edge, so domains need not know HTTP.
package protocol APIErrorConvertible: Error {
    var apiError: APIError { get }
}

/// Turns every error a route throws into an `APIError` body: Hummingbird's own (bad JSON, unknown route) keep
/// their status with a sentence; anything else is a 500 whose message is logged and returned.
package struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    package init() {}

    package func handle(_ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as any APIErrorConvertible {
            throw error.apiError
        } catch let error as HTTPError {
            let code: APIErrorCode
            switch error.status.code {
            case 404: code = .notFound
            case 401: code = .unauthorized
            case 403: code = .forbidden
            case 409: code = .conflict
            case 400..<500: code = .badRequest
            default: code = .internal
            }
            let message: String
            if error.status.code == 404 {
                message = error.body ?? "There is no \(request.method) \(request.uri.path); see the OpenAPI description (openapi.yaml) for the routes."
            } else {
                message = error.body ?? "The request could not be handled (\(error.status))."
            }
            throw APIError(code, message)
        } catch let error as DecodingError {
            throw APIError(.badRequest, "The request body is not the JSON this route takes: \(Self.describe(error))")
        } catch {
            context.logger.error("Request failed", metadata: ["fedge.path": "\(request.uri.path)", "fedge.error": "\(error)"])
            throw APIError(.internal, "\(error)")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context), .dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}

/// Requires `Authorization: Bearer <token>` on every route but `/health` (used on TCP listeners; the control
/// socket's file permissions are its authentication).
package struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    package let token: String

    package init(token: String) { self.token = token }

    package func handle(_ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response) async throws -> Response {
        if request.uri.path == API.health { return try await next(request, context) }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw APIError(.unauthorized, "This API needs a token: pass --token (or set FEDGE_TOKEN), or use the local control socket.")
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
