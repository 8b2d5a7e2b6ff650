/// What a call does, as the access matrix sees it. Every REST route and gRPC method maps to one permission
/// (`RouteRules`, `RPCRules`); every role holds a set of them (`AccessPolicy`).
package enum Permission: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Read sessions, rounds, models, clients, combiners, metrics, events and the audit trail.
    case read
    /// Start, stop and resume sessions.
    case controlSessions = "control-sessions"
    /// Upload seed models and make a model the active one.
    case manageModels = "manage-models"
    /// Create, list and revoke tokens.
    case manageTokens = "manage-tokens"
    /// Enroll combiners and clients (make their kits).
    case enroll
    /// Upload and activate compute packages.
    case managePackages = "manage-packages"
    /// Attach to the controller as a combiner and upload partials.
    case combinerProtocol = "combiner-protocol"
    /// Ask for a combiner, connect and upload updates.
    case clientProtocol = "client-protocol"
    /// Download models over gRPC; which ones is checked against what the caller was given to work on (people use
    /// the REST API's model file route).
    case downloadModels = "download-models"

    package var description: String { self.rawValue }

    /// One line a person reads in `fedge roles`.
    package var summary: String {
        switch self {
        case .read: "read sessions, rounds, models, clients, combiners, metrics, events, audit trail"
        case .controlSessions: "start, stop and resume sessions"
        case .manageModels: "upload seed models, activate a model"
        case .manageTokens: "create, list and revoke tokens"
        case .enroll: "enroll combiners and clients (kits)"
        case .managePackages: "upload and activate compute packages"
        case .combinerProtocol: "attach as a combiner, upload partials"
        case .clientProtocol: "ask for a combiner, connect, upload updates"
        case .downloadModels: "download the models it was given to work on (gRPC)"
        }
    }
}
