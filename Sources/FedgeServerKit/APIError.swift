package import FedgeAPIModels
import Foundation
package import Hummingbird
import Logging

/// A refusal of the REST API: an HTTP status, a stable code and a sentence a person can act on, sent as
/// `APIErrorBody` JSON.
package struct APIError: Error, HTTPResponseError, Sendable, CustomStringConvertible {
    package var code: APIErrorCode
    package var message: String
    /// Headers sent with the body (`Allow` with a 405).
    package var headers: HTTPFields

    package init(_ code: APIErrorCode, _ message: String, headers: HTTPFields = [:]) {
        self.code = code
        self.message = message
        self.headers = headers
    }

    package static func notFound(_ message: String) -> APIError { APIError(.notFound, message) }
    package static func badRequest(_ message: String) -> APIError { APIError(.badRequest, message) }
    package static func conflict(_ message: String) -> APIError { APIError(.conflict, message) }

    package var status: HTTPResponse.Status { HTTPResponse.Status(code: self.code.status) }

    package var description: String { "\(self.code.rawValue): \(self.message)" }

    package func response(from request: Request, context: some RequestContext) throws -> Response {
        let data =
            (try? API.makeEncoder().encode(APIErrorBody(code: self.code.rawValue, message: self.message))) ?? Data()
        var headers = self.headers
        headers[.contentType] = "application/json"
        return Response(
            status: self.status,
            headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}
