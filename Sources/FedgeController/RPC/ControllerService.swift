import FedgeCore
package import FedgeProto
import FedgeRPC
import FedgeSecurity
import FedgeStore
import Foundation
package import GRPCCore
import Logging
import SwiftProtobuf

/// The gRPC face of the controller: combiners attach and upload partials; clients ask where to go. (Models go down
/// through the shared `ModelTransferService`.)
/// A thin adapter from proto messages to the hub and the orchestrator.
package struct ControllerService: Fedge_V1_Controller.SimpleServiceProtocol {
    let controller: Controller

    package init(controller: Controller) { self.controller = controller }

    package func attach(
        request: RPCAsyncSequence<Fedge_V1_CombinerReport, any Error>,
        response: RPCWriter<Fedge_V1_ControllerCommand>,
        context: ServerContext
    ) async throws {
        let hub = self.controller.hub
        let caller = try Identity.caller()
        var attached: (name: String, connection: UUID)? = nil
        do {
            try await withThrowingDiscardingTaskGroup { group in
                for try await report in request {
                    if let attached {
                        await self.handle(report, from: attached.name, connection: attached.connection)
                        continue
                    }
                    guard case .hello(let hello) = report.event, !hello.name.isEmpty, !hello.address.isEmpty else {
                        throw RefusalError(
                            .malformed,
                            "the first message on Attach must be a hello with the combiner's name and address"
                        )
                    }
                    guard Self.isDialAddress(hello.address) else {
                        throw RefusalError(
                            .malformed,
                            "the hello's address '\(hello.address.prefix(64))' is not HOST:PORT as clients dial it"
                        )
                    }
                    try caller.require(name: hello.name)
                    let configuration = self.controller.configuration
                    let (connection, commands): (UUID, AsyncStream<CombinerInstruction>)
                    do {
                        (connection, commands) = try await hub.attach(
                            name: hello.name,
                            address: hello.address,
                            liveWindow: configuration.heartbeatInterval * 3
                        )
                    } catch let error as RefusalError {
                        await self.controller.auditTrail.refused(
                            kind: "combiner.attach.refused",
                            actor: caller.name,
                            address: caller.address,
                            subject: hello.name,
                            reason: "live_name",
                            message: "Attach as \(hello.name) refused: \(error.message)"
                        )
                        throw error
                    }
                    attached = (hello.name, connection)
                    let revoked = configuration.keys.verifier.revokedIDs
                    try await response.write(
                        .with {
                            $0.welcome = .with {
                                $0.combinerID = hello.name
                                $0.heartbeatMillis = UInt32(
                                    clamping: Int64(configuration.heartbeatInterval.inSeconds * 1000)
                                )
                                $0.tokenPublicKey = configuration.keys.issuer.publicKeyPEM
                                $0.revocations = .with { $0.tokenIds = revoked.sorted() }
                            }
                        }
                    )
                    group.addTask {
                        for await command in commands { try await response.write(command.proto) }
                    }
                }
                group.cancelAll()
            }
        } catch {
            if let attached { await hub.detach(name: attached.name, connection: attached.connection) }
            throw error
        }
        if let attached { await hub.detach(name: attached.name, connection: attached.connection) }
    }

    private func handle(_ report: Fedge_V1_CombinerReport, from name: String, connection: UUID) async {
        let hub = self.controller.hub
        switch report.event {
        case .heartbeat(let heartbeat):
            let clients = heartbeat.clients.map { info in
                CombinerClient(
                    name: info.name.isEmpty ? info.clientID : info.name,
                    liveness: ClientLiveness(info.liveness) ?? .offline,
                    lastSeen: Date(unixMillis: info.lastSeenUnixMillis),
                    tasksDone: Int(info.tasksDone),
                    tasksFailed: Int(info.tasksFailed),
                    telemetry: info.hasTelemetry ? Telemetry(info.telemetry) : nil
                )
            }
            await hub.heartbeat(name: name, connection: connection, clients: clients)
        case .progress(let progress):
            let counts = RoundCounts(
                selected: Int(progress.selected),
                received: Int(progress.received),
                refused: Int(progress.refused),
                failed: Int(progress.failed),
                refusedByReason: progress.refusedByReason.mapValues { Int($0) }
            )
            await hub.progress(name: name, session: progress.sessionID, round: Int(progress.round), counts: counts)
            self.controller.auditTrail.notice(
                kind: "round.progress",
                subject: "\(progress.sessionID)/\(progress.round)",
                message:
                    "\(name): \(progress.received)/\(progress.selected) updates, \(progress.failed) failed, \(progress.refused) refused"
            )
        case .outcome(let outcome):
            await hub.outcome(
                name: name,
                session: outcome.sessionID,
                round: Int(outcome.round),
                outcome: CombinerOutcome(
                    combiner: name,
                    succeeded: outcome.succeeded,
                    reason: outcome.reason,
                    partial: ModelID(hex: outcome.partialID),
                    updates: Int(outcome.updates),
                    phases: RoundPhase.read(outcome.phases)
                )
            )
        case .validation(let validation):
            guard let model = ModelID(hex: validation.modelID) else { return }
            guard self.acceptable(validation.report.metrics, client: validation.client, from: name) else { return }
            await hub.validation(
                name: name,
                session: validation.sessionID,
                round: Int(validation.round),
                report: ValidationReport(
                    client: validation.client,
                    model: model,
                    metrics: validation.report.metrics,
                    numExamples: validation.report.numExamples
                )
            )
        case .trainingMetrics(let report):
            guard self.acceptable(report.metrics, client: report.client, from: name) else { return }
            await hub.training(
                name: name,
                session: report.sessionID,
                round: Int(report.round),
                report: TrainingReport(
                    client: report.client,
                    metrics: report.metrics,
                    numExamples: report.numExamples
                )
            )
        case .refusal(let refusal):
            // The combiner's word for what it refused: recorded under the refused caller, named as such.
            let access = AccessError.Reason(rawValue: refusal.reason)
            if let access { self.controller.metrics.refused(reason: access) }
            let accessKind = access != nil || refusal.reason == Refusal.permissionDenied.rawValue
            await self.controller.auditTrail.refused(
                kind: accessKind ? "access.refused" : "update.refused",
                actor: NodeName.isValid(refusal.actor) ? refusal.actor : "unknown",
                address: String(refusal.address.prefix(128)),
                subject: String(refusal.action.prefix(128)),
                reason: String(refusal.reason.prefix(64)),
                message: "combiner \(name) refused \(refusal.action.prefix(128)): \(refusal.message.prefix(512))"
            )
        case .hello:
            self.controller.logger.warning("Second hello ignored", metadata: ["fedge.combiner": "\(name)"])
        case nil:
            break
        }
    }

    /// Whether a client's metrics a combiner passes on are within the limits (a name of the safe set, at most 64
    /// metrics of short names); others are dropped with a warning.
    private func acceptable(_ metrics: [String: Double], client: String, from combiner: String) -> Bool {
        do {
            try NodeName.validate(client, what: "client name")
            try MetricMap.validate(metrics)
            return true
        } catch {
            self.controller.logger.warning(
                "Client metrics dropped",
                metadata: ["fedge.combiner": "\(combiner)", "fedge.error": "\(error)"]
            )
            return false
        }
    }

    package func uploadPartial(
        request: RPCAsyncSequence<Fedge_V1_PartialChunk, any Error>,
        context: ServerContext
    ) async throws -> Fedge_V1_PartialReceipt {
        let partials = self.controller.configuration.orchestration.partialsDirectory.path
        let hub = self.controller.hub
        let caller = try Identity.caller()
        let received = try await ChunkedTransfer.receive(
            request,
            spoolDirectory: partials,
            maxBytes: UInt64.max,
            declaredSize: { (header: Fedge_V1_PartialHeader) in header.size },
            check: { header in
                try caller.require(name: header.combiner)
                guard
                    let limit = await hub.partialLimit(
                        name: header.combiner,
                        session: header.sessionID,
                        round: Int(header.round)
                    )
                else {
                    throw RefusalError(
                        .staleRound,
                        "round \(header.sessionID)/\(header.round) is not waiting for a partial from \(header.combiner)"
                    )
                }
                guard header.size <= limit else {
                    throw RefusalError(
                        .tooLarge,
                        "the partial announces \(header.size) bytes; partials of this round's model may have at most \(limit)"
                    )
                }
            },
            destination: { _, id in self.controller.orchestrator.partialPath(id) }
        )
        self.controller.metrics.received(bytes: received.size)
        return .with { $0.partialID = received.id.hex }
    }

    package func assignCombiner(
        request: Fedge_V1_AssignRequest,
        context: ServerContext
    ) async throws -> Fedge_V1_AssignResponse {
        guard !request.clientName.isEmpty else {
            throw RefusalError(.malformed, "AssignCombiner needs the client's name")
        }
        try Identity.caller().require(name: request.clientName)
        let preferred = request.preferredCombiner.isEmpty ? nil : request.preferredCombiner
        guard let attachment = await self.controller.hub.assign(clientName: request.clientName, preferred: preferred)
        else {
            throw RPCError(
                code: .unavailable,
                message: "no combiner is attached to the controller yet; the client will ask again"
            )
        }
        return .with {
            $0.combiner = attachment.name
            $0.address = attachment.address
        }
    }

    /// A combiner's address as its clients dial it: HOST:PORT (`Endpoint`'s forms, but with a host and a port).
    static func isDialAddress(_ address: String) -> Bool {
        guard let endpoint = Endpoint(address), endpoint.port > 0, !address.hasPrefix(":") else { return false }
        return Controller.isHost(endpoint.host)
    }
}

extension CombinerInstruction {
    var proto: Fedge_V1_ControllerCommand {
        switch self {
        case .plan(let plan):
            .with { $0.plan = plan.proto }
        case .revocations(let ids):
            .with { $0.revocations = .with { $0.tokenIds = ids.sorted() } }
        case .cancel(let session, let round, let reason):
            .with {
                $0.cancel = .with {
                    $0.sessionID = session
                    $0.round = UInt32(clamping: round)
                    $0.reason = reason
                }
            }
        }
    }
}
