package import FedgeCore
package import GRPCCore

/// Refusals cross the wire as gRPC errors: a status code that fits, the sentence as the message, and the
/// refusal's name under the `fedge-refusal` metadata key so the other side gets the typed value back.
extension RefusalError: RPCErrorConvertible {
    /// The metadata key that carries the refusal's name.
    package static let metadataKey = "fedge-refusal"

    package var rpcErrorCode: RPCError.Code {
        switch self.refusal {
        case .staleRound, .notAssigned: .failedPrecondition
        case .duplicate: .alreadyExists
        case .wrongShape, .nonFinite, .malformed, .badWeight, .hashMismatch: .invalidArgument
        case .tooLarge: .resourceExhausted
        case .unauthenticated: .unauthenticated
        case .permissionDenied: .permissionDenied
        case .unknownTask, .unknownModel: .notFound
        case .incomplete: .dataLoss
        }
    }

    package var rpcErrorMessage: String { self.message }

    package var rpcErrorMetadata: Metadata { [Self.metadataKey: "\(self.refusal.rawValue)"] }

    /// The refusal carried by an error from a call, or `nil` when the error is not a Fedge refusal.
    package init?(_ error: any Error) {
        if let refusal = error as? RefusalError {
            self = refusal
            return
        }
        guard let rpc = error as? RPCError else { return nil }
        guard let name = rpc.metadata[stringValues: Self.metadataKey].first(where: { _ in true }),
            let refusal = Refusal(rawValue: name)
        else { return nil }
        self.init(refusal, rpc.message)
    }
}
