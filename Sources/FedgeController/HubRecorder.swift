import FedgeAPIModels
import FedgeCore
import FedgeRPC
import FedgeServerKit
import FedgeStore
import Foundation
import Logging

/// Persists what the hub learns and writes it to the audit trail.
struct HubRecorder: CombinerHubObserver {
    let database: FedgeDatabase
    let auditTrail: AuditTrail
    let logger: Logger

    func combinerAttached(name: String, address: String) async {
        do { try await self.database.combinerOnline(name: CombinerID(name), address: address) } catch {
            self.failed(error)
        }
        await self.auditTrail.record(
            kind: "combiner.attached",
            actor: "combiner:\(name)",
            subject: name,
            message: "Combiner \(name) attached (clients reach it at \(address))"
        )
    }

    func combinerDetached(name: String) async {
        do { try await self.database.combinerOffline(name: CombinerID(name)) } catch { self.failed(error) }
        await self.auditTrail.record(
            kind: "combiner.detached",
            actor: "controller",
            subject: name,
            message: "Combiner \(name) went away; it and its clients are offline"
        )
    }

    func clientsReported(combiner: String, clients: [CombinerClient]) async {
        let encoder = JSONEncoder()
        let records = clients.map { client in
            ClientRecord(
                name: client.name,
                combiner: CombinerID(combiner),
                status: client.liveness,
                firstSeen: client.lastSeen,
                lastSeen: client.lastSeen,
                tasksDone: client.tasksDone,
                tasksFailed: client.tasksFailed,
                telemetry: client.telemetry.flatMap { try? encoder.encode($0) }.map {
                    String(decoding: $0, as: UTF8.self)
                }
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
