/// Why a tier refused a request: the typed status every refusal carries across the wire.
package enum Refusal: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// The update belongs to a round that is not open.
    case staleRound = "stale_round"
    /// An update for this task was already accepted.
    case duplicate
    /// Tensor names, shapes or dtypes differ from the global model.
    case wrongShape = "wrong_shape"
    /// The update holds NaN or infinite values.
    case nonFinite = "non_finite"
    /// The upload is larger than the receiver accepts.
    case tooLarge = "too_large"
    /// The caller did not prove who it is.
    case unauthenticated
    /// No task with that id is known.
    case unknownTask = "unknown_task"
    /// The bytes do not hash to the announced SHA-256.
    case hashMismatch = "hash_mismatch"
    /// The stream or the file in it is malformed.
    case malformed
    /// The update's weight is not a positive number.
    case badWeight = "bad_weight"
    /// No model with that id is known.
    case unknownModel = "unknown_model"
    /// The task was assigned to another client.
    case notAssigned = "not_assigned"
    /// The stream ended before its trailer.
    case incomplete
    /// The caller is not allowed to do this.
    case permissionDenied = "permission_denied"

    package var description: String { self.rawValue }
}

/// A refusal with the sentence that explains it to a person.
package struct RefusalError: Error, Sendable, Hashable, CustomStringConvertible {
    package var refusal: Refusal
    package var message: String

    package init(_ refusal: Refusal, _ message: String) {
        self.refusal = refusal
        self.message = message
    }

    package var description: String { "\(self.message) (\(self.refusal))" }
}
