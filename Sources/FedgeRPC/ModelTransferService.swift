package import FedgeCore
package import FedgeSecurity
import Foundation
package import Logging

/// Where a model-transfer service finds the models it may send: a path and size for an id, or `nil`.
package protocol ModelSource: Sendable {
    /// The file of model `id` and its size in bytes, when this server may send it.
    func file(for id: ModelID) async -> (path: String, size: UInt64)?
}

/// The one implementation of `DownloadModel`, served by the controller (global models to combiners) and by every
/// combiner (to its clients): looks the model up in its source, then streams it as header, chunks and trailer.
///
/// ```swift
/// let transfer = ModelTransferService(source: blobs, origin: "controller", permits: { caller, id in … }, logger: logger)
/// let server = GRPCServer(transport: transport, services: [controllerService, transfer])
/// ```
package struct ModelTransferService: Sendable {
    package let source: any ModelSource
    /// Who serves, for refusals ("the controller", "combiner edge-1").
    package let origin: String
    /// Whether the caller was given this model to work on (a combiner: a model of its rounds; a client: a model
    /// of its tasks). Nobody may fetch a blob just because they know its hash.
    package let permits: @Sendable (Identity, ModelID) async -> Bool
    /// Runs each download; a combiner bounds how many run at once.
    package let admission: @Sendable (@Sendable () async throws -> Void) async throws -> Void
    /// Told of the bytes each finished download sent.
    package let sent: @Sendable (UInt64) -> Void
    package let logger: Logger

    package init(
        source: any ModelSource,
        origin: String,
        permits: @escaping @Sendable (Identity, ModelID) async -> Bool,
        admission: @escaping @Sendable (@Sendable () async throws -> Void) async throws -> Void = { try await $0() },
        sent: @escaping @Sendable (UInt64) -> Void = { _ in },
        logger: Logger
    ) {
        self.source = source
        self.origin = origin
        self.permits = permits
        self.admission = admission
        self.sent = sent
        self.logger = logger
    }
}
