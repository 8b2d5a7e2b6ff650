/// The body of every error response: a stable machine-readable code and a sentence a person can act on.
///
/// ```json
/// {"error": {"code": "session_not_found", "message": "No session has id 's-42'; `fedge session list` shows them."}}
/// ```
package struct APIErrorBody: Sendable, Hashable, Codable {
    package struct Detail: Sendable, Hashable, Codable {
        package var code: String
        package var message: String
    }

    package var error: Detail

    package init(code: String, message: String) {
        self.error = Detail(code: code, message: message)
    }
}

/// The error codes the API answers with, each with its HTTP status.
package enum APIErrorCode: String, Sendable, CaseIterable {
    case badRequest = "bad_request"
    case invalidConfig = "invalid_config"
    case notFound = "not_found"
    case conflict = "conflict"
    case unauthorized = "unauthorized"
    case forbidden = "forbidden"
    case methodNotAllowed = "method_not_allowed"
    case unavailable = "unavailable"
    case `internal` = "internal"

    package var status: Int {
        switch self {
        case .badRequest, .invalidConfig: 400
        case .unauthorized: 401
        case .forbidden: 403
        case .notFound: 404
        case .methodNotAllowed: 405
        case .conflict: 409
        case .unavailable: 503
        case .internal: 500
        }
    }
}
