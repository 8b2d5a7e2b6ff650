import FedgeAPIModels
package import FedgeCore
package import FedgeRPC
package import FedgeSecurity
import FedgeServerKit
package import FedgeStore
package import Foundation
package import Logging
import NIOConcurrencyHelpers

/// The controller's parts, wired together: database, blob store, combiner hub, orchestrator, auditTrail, metrics.
package struct Controller: Sendable {
    package let configuration: ControllerConfiguration
    package let database: FedgeDatabase
    package let blobs: BlobStore
    package let hub: CombinerHub
    package let orchestrator: Orchestrator
    package let auditTrail: AuditTrail
    package let metrics: ControllerMetrics
    package let logger: Logger
    package let startedAt = Date()
    /// The port the gRPC server listens on once it does (for a configured port 0).
    package let listeningPort = ListeningPort()

    /// The gRPC address written into kits: the configured one, with the real port when it was configured as 0.
    package var advertisedAddress: String {
        let configured = self.configuration.advertisedAddress
        guard configured.hasSuffix(":0"), let port = self.listeningPort.value else { return configured }
        return String(configured.dropLast(1)) + String(port)
    }

    /// Opens (or creates) the state in `configuration.directory`. Combiners and clients are marked offline until
    /// they attach again; partials left by an interrupted round are removed.
    package init(configuration: ControllerConfiguration, logger: Logger) throws {
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: configuration.directory, withIntermediateDirectories: true)
        try? fileManager.removeItem(at: configuration.orchestration.partialsDirectory)
        try fileManager.createDirectory(
            at: configuration.orchestration.partialsDirectory,
            withIntermediateDirectories: true
        )
        let database = try FedgeDatabase(path: configuration.directory.appendingPathComponent("state.sqlite").path)
        try database.markEverythingOffline()
        try self.init(
            configuration: configuration,
            database: database,
            blobs: BlobStore(root: configuration.directory.appendingPathComponent("blobs")),
            logger: logger
        )
    }

    /// A controller over a given database (tests pass an in-memory one).
    package init(
        configuration: ControllerConfiguration,
        database: FedgeDatabase,
        blobs: BlobStore,
        clock: any WallClock = SystemWallClock(),
        logger: Logger
    ) throws {
        try FileManager.default.createDirectory(
            at: configuration.orchestration.partialsDirectory,
            withIntermediateDirectories: true
        )
        self.configuration = configuration
        self.database = database
        self.blobs = blobs
        self.logger = logger
        self.metrics = ControllerMetrics()
        self.auditTrail = AuditTrail(database: database, feed: AuditFeed(), logger: logger)
        self.hub = CombinerHub(
            observer: HubRecorder(database: database, auditTrail: self.auditTrail, logger: logger),
            clock: clock,
            logger: logger
        )
        self.orchestrator = Orchestrator(
            database: database,
            blobs: blobs,
            hub: self.hub,
            auditTrail: self.auditTrail,
            metrics: self.metrics,
            settings: configuration.orchestration,
            clock: clock,
            logger: logger
        )
    }

    /// The global models, served to combiners by the shared model-transfer service.
    package var modelTransfer: ModelTransferService {
        let metrics = self.metrics
        let hub = self.hub
        return ModelTransferService(
            source: self.blobs,
            origin: "the controller",
            // A combiner gets the models it was sent plans for; nothing else leaves the blob store this way.
            permits: { caller, id in caller.role == .combiner ? await hub.wasGiven(id, to: caller.name) : false },
            sent: { metrics.sent(bytes: $0) },
            logger: self.logger
        )
    }

    /// The gRPC service combiners and clients call.
    package var service: ControllerService { ControllerService(controller: self) }

    /// Adds a seed model (a safetensors file) to the blob store and the trail.
    package func addSeed(fileAt path: String, actor: Identity, activate: Bool) async throws -> ModelRecord {
        do {
            try SeedCheck.validate(path)
        } catch {
            throw SessionError.unusableSeed("\(error)")
        }
        let id = try self.blobs.put(fileAt: path)
        let size = Int64(self.blobs.size(of: id))
        let existing = try await self.database.model(id)
        let record = existing ?? ModelRecord(id: id, parent: nil, size: size)
        if existing == nil {
            try await self.database.commitModel(record, contributions: [])
            await self.auditTrail.record(
                kind: "model.uploaded",
                by: actor,
                subject: id.hex,
                message: "Seed model \(id.shortPrefix) uploaded (\(size) bytes)"
            )
        }
        if activate {
            try await self.database.setActiveModel(id)
            await self.auditTrail.record(
                kind: "model.activated",
                by: actor,
                subject: id.hex,
                message: "Model \(id.shortPrefix) is now the active model"
            )
        }
        return record
    }
}

/// A port learnt once a listener is up.
package final class ListeningPort: Sendable {
    private let port = NIOLockedValueBox<Int?>(nil)

    package init() {}

    package var value: Int? { self.port.withLockedValue { $0 } }

    /// Records the port at the end of `address` (like `[ipv4]127.0.0.1:7701`).
    package func record(address: String) {
        guard let port = address.split(separator: ":").last.flatMap({ Int($0) }) else { return }
        self.port.withLockedValue { $0 = port }
    }
}
