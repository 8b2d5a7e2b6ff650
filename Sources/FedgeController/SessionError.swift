package import FedgeCore

/// Why the controller refused an operator's request about sessions and models.
package enum SessionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// No session has this id.
    case noSuchSession(SessionID)
    /// A session was asked for without a model, and no model is active.
    case noActiveModel
    /// The model a session names is not in the trail.
    case unknownModel(String)
    /// The session is not in a state that allows the request.
    case wrongState(id: SessionID, status: SessionStatus, wanted: String)
    /// The session ran all its rounds.
    case finished(id: SessionID, rounds: Int)
    /// An uploaded seed is not a model the aggregators can use.
    case unusableSeed(String)
    /// The package a session names is not uploaded.
    case unknownPackage(String)

    package var description: String {
        switch self {
        case .noSuchSession(let id): "No session has id '\(id)'; `fedge session list` shows them."
        case .noActiveModel:
            "There is no active model to start from: upload a seed with `fedge model upload FILE --activate`, or give model_id."
        case .unknownModel(let prefix):
            "Model \(prefix) is not in the model trail; `fedge model list` shows the models."
        case .wrongState(let id, let status, let wanted): "Session \(id) is \(status); \(wanted)."
        case .finished(let id, let rounds):
            "Session \(id) has run all its \(rounds) rounds; create a new session to train further."
        case .unusableSeed(let reason): "The upload is not a model Fedge can train: \(reason)"
        case .unknownPackage(let prefix):
            "Package \(prefix) is not uploaded; `fedge package list` shows the packages."
        }
    }
}
