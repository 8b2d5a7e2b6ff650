import FedgeAPIModels
package import FedgeCore
package import FedgeRPC
package import FedgeServerKit
package import FedgeStore
package import Foundation
package import Logging

/// Where and how the controller runs.
package struct ControllerConfiguration: Sendable {
    /// The controller's state directory: `state.sqlite`, `blobs/`, `partials/`.
    package var directory: URL
    /// Where combiners dial in (gRPC).
    package var grpcListen: Endpoint
    package var grpcSecurity: TransportSecurity
    /// Where the REST API listens, on TCP and on the control socket.
    package var httpListeners: [HTTPListener]
    /// The bearer token the TCP REST API requires (`nil`: none; the control socket never needs one).
    package var apiToken: String?
    /// Seconds between combiner heartbeats.
    package var heartbeatInterval: Duration = .seconds(2)
    package var orchestration: Orchestrator.Settings

    package init(directory: URL, grpcListen: Endpoint, grpcSecurity: TransportSecurity, httpListeners: [HTTPListener], apiToken: String?) {
        self.directory = directory
        self.grpcListen = grpcListen
        self.grpcSecurity = grpcSecurity
        self.httpListeners = httpListeners
        self.apiToken = apiToken
        self.orchestration = Orchestrator.Settings(partialsDirectory: directory.appendingPathComponent("partials"))
    }
}

/// The controller's parts, wired together: database, blob store, combiner hub, orchestrator, journal, metrics.
package struct Controller: Sendable {
    package let configuration: ControllerConfiguration
    package let database: FedgeDatabase
    package let blobs: BlobStore
    package let hub: CombinerHub
    package let orchestrator: Orchestrator
    package let journal: Journal
    package let metrics: ControllerMetrics
    package let logger: Logger
    package let startedAt = Date()

    /// Opens (or creates) the state in `configuration.directory`. Combiners and clients are marked offline until
    /// they attach again; partials left by an interrupted round are removed.
    package init(configuration: ControllerConfiguration, logger: Logger) throws {
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: configuration.directory, withIntermediateDirectories: true)
        try? fileManager.removeItem(at: configuration.orchestration.partialsDirectory)
        try fileManager.createDirectory(at: configuration.orchestration.partialsDirectory, withIntermediateDirectories: true)
        let database = try FedgeDatabase(path: configuration.directory.appendingPathComponent("state.sqlite").path)
        try database.markEverythingOffline()
        try self.init(configuration: configuration, database: database,
                      blobs: BlobStore(root: configuration.directory.appendingPathComponent("blobs")), logger: logger)
    }

    /// A controller over a given database (tests pass an in-memory one).
    package init(
        configuration: ControllerConfiguration, database: FedgeDatabase, blobs: BlobStore, clock: any WallClock = SystemWallClock(),
        logger: Logger
    ) throws {
        try FileManager.default.createDirectory(at: configuration.orchestration.partialsDirectory, withIntermediateDirectories: true)
        self.configuration = configuration
        self.database = database
        self.blobs = blobs
        self.logger = logger
        self.metrics = ControllerMetrics()
        self.journal = Journal(database: database, bus: EventBus(), logger: logger)
        self.hub = CombinerHub(observer: HubRecorder(database: database, journal: self.journal, logger: logger), clock: clock, logger: logger)
        self.orchestrator = Orchestrator(
            database: database, blobs: blobs, hub: self.hub, journal: self.journal, metrics: self.metrics,
            settings: configuration.orchestration, clock: clock, logger: logger
        )
    }

    /// The global models, served to combiners by the shared model-transfer service.
    package var modelTransfer: ModelTransferService {
        let metrics = self.metrics
        return ModelTransferService(source: self.blobs, origin: "the controller", sent: { metrics.sent(bytes: $0) }, logger: self.logger)
    }

    /// The gRPC service combiners and clients call.
    package var service: ControllerService { ControllerService(controller: self) }

    /// Adds a seed model (a safetensors file) to the blob store and the trail.
    package func addSeed(fileAt path: String, actor: String, activate: Bool) async throws -> ModelRecord {
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
            await self.journal.record(kind: "model.uploaded", actor: actor, subject: id.hex, message: "Seed model \(id.shortPrefix) uploaded (\(size) bytes)")
        }
        if activate {
            try await self.database.setActiveModel(id)
            await self.journal.record(kind: "model.activated", actor: actor, subject: id.hex, message: "Model \(id.shortPrefix) is now the active model")
        }
        return record
    }
}

/// Persists what the hub learns and writes it to the audit trail.
struct HubRecorder: CombinerHubObserver {
    let database: FedgeDatabase
    let journal: Journal
    let logger: Logger

    func combinerAttached(name: String, address: String) async {
        do { try await self.database.combinerOnline(name: CombinerID(name), address: address) } catch { self.failed(error) }
        await self.journal.record(kind: "combiner.attached", actor: "combiner:\(name)", subject: name, message: "Combiner \(name) attached (clients reach it at \(address))")
    }

    func combinerDetached(name: String) async {
        do { try await self.database.combinerOffline(name: CombinerID(name)) } catch { self.failed(error) }
        await self.journal.record(kind: "combiner.detached", actor: "controller", subject: name, message: "Combiner \(name) went away; it and its clients are offline")
    }

    func clientsReported(combiner: String, clients: [CombinerClient]) async {
        let encoder = JSONEncoder()
        let records = clients.map { client in
            ClientRecord(
                name: client.name, combiner: CombinerID(combiner), status: client.liveness, firstSeen: client.lastSeen, lastSeen: client.lastSeen,
                tasksDone: client.tasksDone, tasksFailed: client.tasksFailed,
                telemetry: client.telemetry.flatMap { try? encoder.encode($0) }.map { String(decoding: $0, as: UTF8.self) }
            )
        }
        do {
            try await self.database.recordClients(records)
            try await self.database.combinerSeen(name: CombinerID(combiner))
        } catch {
            self.failed(error)
        }
    }

    private func failed(_ error: any Error) {
        self.logger.error("Registry not stored", metadata: ["fedge.error": "\(error)"])
    }
}
