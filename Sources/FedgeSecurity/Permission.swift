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
    /// Attach to the controller as a combiner, upload partials, download the models of its rounds.
    case combinerProtocol = "combiner-protocol"
    /// Ask for a combiner, connect, download the models of its tasks, upload updates.
    case clientProtocol = "client-protocol"

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
        case .combinerProtocol: "attach as a combiner, upload partials, download its rounds' models"
        case .clientProtocol: "ask for a combiner, connect, download its tasks' models, upload updates"
        }
    }
}
