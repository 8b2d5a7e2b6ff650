/// The permission each REST route needs: one rule per method and path template (`{name}` for a path parameter,
/// as in `openapi.yaml`). A route without a rule is refused, and a test fails for it.
package enum RouteRules {
    /// A route that needs no identity at all.
    package static let public_: Set<String> = ["GET /health"]

    /// Method and path template → permission.
    package static let rules: [String: Permission] = [
        "GET /metrics": .read,
        "GET /api/v1/combiners": .read,
        "GET /api/v1/clients": .read,
        "GET /api/v1/sessions": .read,
        "POST /api/v1/sessions": .controlSessions,
        "GET /api/v1/sessions/{id}": .read,
        "POST /api/v1/sessions/{id}/start": .controlSessions,
        "POST /api/v1/sessions/{id}/stop": .controlSessions,
        "GET /api/v1/sessions/{id}/rounds": .read,
        "GET /api/v1/sessions/{id}/rounds/{number}": .read,
        "GET /api/v1/rounds": .read,
        "GET /api/v1/models": .read,
        "POST /api/v1/models": .manageModels,
        "GET /api/v1/models/active": .read,
        "PUT /api/v1/models/active": .manageModels,
        "GET /api/v1/models/verify": .read,
        "GET /api/v1/models/{id}": .read,
        "GET /api/v1/models/{id}/file": .read,
        "GET /api/v1/models/{id}/lineage": .read,
        "GET /api/v1/validations": .read,
        "GET /api/v1/metrics": .read,
        "GET /api/v1/events": .read,
        "GET /api/v1/events/verify": .read,
        "GET /api/v1/events/stream": .read,
        "GET /api/v1/packages": .read,
        "POST /api/v1/packages": .managePackages,
        "GET /api/v1/packages/{id}": .read,
        "POST /api/v1/packages/{id}/activate": .managePackages,
        "GET /api/v1/tokens": .manageTokens,
        "POST /api/v1/tokens": .manageTokens,
        "DELETE /api/v1/tokens/{id}": .manageTokens,
        "POST /api/v1/enrollments/combiners": .enroll,
        "POST /api/v1/enrollments/clients": .enroll,
        // The combiner's own status API.
        "GET /api/v1/status": .read,
    ]

    /// The key of a route, as `openapi.yaml` writes it: `METHOD /path/{param}` (Hummingbird's `:param` is written
    /// `{param}`, and the path starts with `/`).
    package static func key(method: String, template: String) -> String {
        let path = template.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
        }.joined(separator: "/")
        return "\(method.uppercased()) \(path.hasPrefix("/") ? path : "/" + path)"
    }

    /// What a route needs: `nil` when it is public, else its permission; throws when no rule exists.
    package static func permission(method: String, template: String) throws(AccessError) -> Permission? {
        let key = Self.key(method: method, template: template)
        if Self.public_.contains(key) { return nil }
        guard let permission = Self.rules[key] else { throw .noRule(key) }
        return permission
    }
}
