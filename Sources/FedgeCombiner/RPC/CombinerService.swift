import FedgeCore
import FedgeProto
import FedgeRPC
import Foundation
package import Logging

/// The gRPC face of a combiner for its clients: a thin adapter from proto messages to the registry and the round
/// runner. The conformance to the generated protocol is in `CombinerService+RPC.swift`.
package struct CombinerService: Sendable {
    let configuration: CombinerConfiguration
    let registry: ClientRegistry
    let runner: RoundRunner
    package let downloads: TransferLimiter
    let uploads: TransferLimiter
    let refusals: RefusalFeed
    let logger: Logger

    package init(
        configuration: CombinerConfiguration,
        registry: ClientRegistry,
        runner: RoundRunner,
        downloads: TransferLimiter,
        uploads: TransferLimiter,
        refusals: RefusalFeed,
        logger: Logger
    ) {
        self.configuration = configuration
        self.registry = registry
        self.runner = runner
        self.downloads = downloads
        self.uploads = uploads
        self.refusals = refusals
        self.logger = logger
    }

    /// Handles one event a connected client sent.
    func handle(_ event: Fedge_V1_ClientEvent, from connection: ClientRegistry.Connection) async {
        await self.registry.heard(connection)
        switch event.event {
        case .heartbeat(let heartbeat):
            await self.registry.heartbeat(connection, telemetry: Telemetry(heartbeat.telemetry))
        case .status(let status):
            if let report = TaskReport(status) {
                await self.runner.taskStatus(report, clientID: ClientID(connection.clientID.rawValue))
            }
        case .log(let record):
            self.logger.info(
                "\(record.line)",
                metadata: [
                    "fedge.client": "\(connection.name)", "fedge.task.id": "\(record.taskID)",
                    "fedge.stream": "\(record.stream)",
                ]
            )
        case .metrics(let record):
            let values = record.values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            self.logger.info(
                "Client metrics",
                metadata: [
                    "fedge.client": "\(connection.name)", "fedge.task.id": "\(record.taskID)",
                    "fedge.metrics": "\(values)",
                ]
            )
        case .hello:
            self.logger.warning("Second hello ignored", metadata: ["fedge.client": "\(connection.name)"])
        case nil:
            break
        }
    }
}
