package import FedgeTensor

/// Why an update, a partial aggregate or a server state was refused. Whatever was refused changed nothing.
package enum AggregationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The update lacks a tensor the global model has.
    case missingTensor(update: String, tensor: String)
    /// The update has a tensor the global model lacks.
    case unexpectedTensor(update: String, tensor: String)
    /// A tensor's shape differs from the global model's.
    case shapeMismatch(update: String, tensor: String, expected: [Int], actual: [Int])
    /// A tensor's dtype differs from the global model's.
    case dtypeMismatch(update: String, tensor: String, expected: DType, actual: DType)
    /// A tensor holds NaN or ±Inf.
    case nonFinite(update: String, tensor: String)
    /// The update's weight is zero, negative or not finite.
    case invalidWeight(update: String, weight: Double)
    /// There is nothing to average.
    case noUpdates
    /// A partial aggregate does not fit the global model or the other partials.
    case partialMismatch(String)
    /// Saved server optimizer state does not fit this aggregator or model.
    case stateMismatch(String)

    package var description: String {
        switch self {
        case .missingTensor(let update, let tensor):
            return "update \(update) lacks tensor '\(tensor)' of the global model; train from the current global model"
        case .unexpectedTensor(let update, let tensor):
            return
                "update \(update) has tensor '\(tensor)', which the global model lacks; train from the current global model"
        case .shapeMismatch(let update, let tensor, let expected, let actual):
            return "tensor '\(tensor)' of update \(update) has shape \(actual) but the global model's has \(expected)"
        case .dtypeMismatch(let update, let tensor, let expected, let actual):
            return "tensor '\(tensor)' of update \(update) is \(actual) but the global model's is \(expected)"
        case .nonFinite(let update, let tensor):
            return "tensor '\(tensor)' of update \(update) holds NaN or infinite values; the training diverged"
        case .invalidWeight(let update, let weight):
            return "update \(update) has weight \(weight); weights (num_examples) must be positive and finite"
        case .noUpdates:
            return "there are no updates to aggregate"
        case .partialMismatch(let reason):
            return "partial aggregate refused: \(reason)"
        case .stateMismatch(let reason):
            return "server optimizer state refused: \(reason)"
        }
    }
}
