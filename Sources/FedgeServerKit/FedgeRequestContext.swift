import FedgeAPIModels
package import FedgeSecurity
package import Foundation
package import Hummingbird

/// The request context of Fedge's REST APIs: the API's JSON coding (snake_case, ISO 8601 with milliseconds).
package struct FedgeRequestContext: IdentifiedRequestContext {
    package var coreContext: CoreRequestContextStorage
    /// The caller, once `AuthenticationMiddleware` proved it.
    package var identity: Identity?
    /// The peer's address (`nil` on the control socket).
    package let remoteAddress: String?

    package init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress.flatMap { address in
            address.ipAddress.map { "\($0):\(address.port ?? 0)" }
        }
    }

    /// The actor the audit trail names for this request.
    package var actor: Identity {
        self.identity ?? Identity(name: "anonymous", role: .observer, address: self.remoteAddress)
    }

    package var requestDecoder: APIRequestDecoder { APIRequestDecoder() }
    package var responseEncoder: JSONEncoder { API.makeEncoder() }
}

extension Request {
    /// The query parameter `name` as an integer, or `defaultValue`; a non-number is a 400 that says so.
    package func intQuery(_ name: String, default defaultValue: Int) throws(APIError) -> Int {
        guard let text = self.uri.queryParameters[name[...]] else { return defaultValue }
        guard let value = Int(String(text)) else {
            throw APIError(.badRequest, "Query parameter \(name)='\(text)' is not a whole number.")
        }
        return value
    }

    /// The query parameter `name` as an integer when it is given (even empty), `nil` when it is not; a non-number
    /// is a 400 that says so.
    package func intQuery(_ name: String) throws(APIError) -> Int? {
        guard self.uri.queryParameters[name[...]] != nil else { return nil }
        return try self.intQuery(name, default: 0)
    }

    /// The query parameter `name`, if given and not empty.
    package func query(_ name: String) -> String? {
        guard let text = self.uri.queryParameters[name[...]], !text.isEmpty else { return nil }
        return String(text)
    }
}
