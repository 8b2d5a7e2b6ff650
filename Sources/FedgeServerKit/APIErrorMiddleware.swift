import FedgeAPIModels
import Foundation
package import Hummingbird
import Logging

/// Turns every error a route throws into an `APIError` body: Hummingbird's own (bad JSON, unknown route) keep
/// their status with a sentence; anything else is a 500 whose message is logged and returned.
package struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    package init() {}

    package func handle(
        _ request: Request,
        context: Context,
        next: @concurrent (Request, Context) async throws -> Response
    ) async throws -> Response {
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
                message =
                    error.body
                    ?? "There is no \(request.method) \(request.uri.path); see the OpenAPI description (openapi.yaml) for the routes."
            } else {
                message = error.body ?? "The request could not be handled (\(error.status))."
            }
            throw APIError(code, message)
        } catch let error as DecodingError {
            throw APIError(.badRequest, "The request body is not the JSON this route takes: \(Self.describe(error))")
        } catch {
            context.logger.error(
                "Request failed",
                metadata: ["fedge.path": "\(request.uri.path)", "fedge.error": "\(error)"]
            )
            throw APIError(.internal, "\(error)")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context),
            .dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
