import FedgeAggregation
import FedgeCore
import FedgeProto
import FedgeRPC
import FedgeTensor
import Foundation
import GRPCCore
import Logging
import SwiftProtobuf

extension ControllerLink {
    /// Runs one plan and reports its outcome; never throws (a failure is an outcome).
    func execute<Transport: ClientTransport>(
        _ plan: RoundPlan,
        controller: Fedge_V1_Controller.Client<Transport>,
        models: Fedge_V1_ModelTransfer.Client<Transport>,
        outbox: Outbox<Fedge_V1_CombinerReport>
    ) async {
        let metadata: Logger.Metadata = [
            "fedge.session": "\(plan.session)", "fedge.round": "\(plan.round)", "fedge.kind": "\(plan.kind)",
        ]
        do {
            try await self.fetchModel(plan.model, size: plan.modelSize, from: models)
            // The session's compute package travels like a model: fetched once, kept by its hash, served to clients.
            if let package = plan.package { try await self.fetchModel(package, size: plan.packageSize, from: models) }
            var result = try await self.runRound(plan, outbox: outbox)
            self.report(.finalCounts(result), to: outbox)
            switch plan.kind {
            case .validate:
                for (client, metrics) in result.validations.sorted(by: { $0.key < $1.key }) {
                    self.report(.validation(plan: plan, client: client, metrics: metrics), to: outbox)
                }
                self.report(
                    .outcome(
                        session: plan.session.rawValue,
                        round: plan.round,
                        succeeded: result.succeeded,
                        reason: result.reason,
                        updates: result.validations.count
                    ),
                    to: outbox
                )
            case .train:
                for (client, report) in result.trainingMetrics.sorted(by: { $0.key < $1.key }) {
                    self.report(.trainingMetrics(plan: plan, client: client, report: report), to: outbox)
                }
                guard result.succeeded, let partial = result.partial.take() else {
                    self.report(
                        .outcome(
                            session: plan.session.rawValue,
                            round: plan.round,
                            succeeded: false,
                            reason: result.reason,
                            updates: result.received
                        ),
                        to: outbox
                    )
                    return
                }
                let uploading = ContinuousClock.now
                let partialID = try await self.upload(partial, plan: plan, to: controller)
                result.phases[.partialUpload] = (ContinuousClock.now - uploading).inSeconds
                self.report(
                    .outcome(
                        session: plan.session.rawValue,
                        round: plan.round,
                        succeeded: true,
                        reason: result.reason,
                        partial: partialID,
                        updates: result.received,
                        phases: result.phases
                    ),
                    to: outbox
                )
                self.logger.info(
                    "Partial aggregate delivered",
                    metadata: metadata.merging(["fedge.partial": "\(partialID.shortPrefix)"]) { $1 }
                )
            }
        } catch {
            self.logger.warning(
                "Round failed at this combiner",
                metadata: metadata.merging(["fedge.error": "\(error)"]) { $1 }
            )
            self.report(
                .outcome(session: plan.session.rawValue, round: plan.round, succeeded: false, reason: "\(error)"),
                to: outbox
            )
        }
    }

    /// Runs the round on the round runner, with its progress once a second while it is open (only the newest
    /// progress waits in the outbox).
    private func runRound(_ plan: RoundPlan, outbox: Outbox<Fedge_V1_CombinerReport>) async throws -> RoundResult {
        let runner = self.combiner.runner
        return try await withThrowingTaskGroup(of: RoundResult?.self) { group in
            group.addTask { try await runner.execute(plan) }
            group.addTask {
                while !Task.isCancelled {
                    try await Task.sleep(for: .seconds(1))
                    if let progress = await runner.progress(), progress.plan.session == plan.session,
                        progress.plan.round == plan.round
                    {
                        outbox.coalesce(.progress(progress), key: "progress")
                    }
                }
                return nil
            }
            defer { group.cancelAll() }
            while let next = try await group.next() {
                if let next { return next }
            }
            throw CancellationError()
        }
    }

    /// Downloads global model `id` from the controller into the model store, unless it is there already.
    private func fetchModel<Transport: ClientTransport>(
        _ id: ModelID,
        size: UInt64,
        from models: Fedge_V1_ModelTransfer.Client<Transport>
    ) async throws {
        let store = self.combiner.runner.models
        guard !store.contains(id) else { return }
        let spool = self.combiner.configuration.spoolDirectory.appendingPathComponent("models").path
        try FileManager.default.createDirectory(atPath: spool, withIntermediateDirectories: true)
        let received = try await models.downloadModel(.with { $0.modelID = id.hex }, options: Self.callOptions) {
            response in
            try await ChunkedTransfer.receive(
                response.messages,
                spoolDirectory: spool,
                maxBytes: size > 0 ? size : UInt64.max,
                declaredSize: { (header: Fedge_V1_TransferHeader) in header.size },
                destination: { _, received in received == id ? store.path(for: id) : "\(spool)/mismatch-\(received.hex)"
                }
            )
        }
        guard received.id == id else {
            try? FileManager.default.removeItem(atPath: received.path)
            throw RefusalError(
                .hashMismatch,
                "the controller sent model \(received.id.shortPrefix) for \(id.shortPrefix)"
            )
        }
    }

    /// Writes the partial aggregate to the spool and streams it to the controller.
    private func upload<Transport: ClientTransport>(
        _ partial: consuming PartialAggregate,
        plan: RoundPlan,
        to controller: Fedge_V1_Controller.Client<Transport>
    ) async throws -> ModelID {
        let path = self.combiner.configuration.spoolDirectory.appendingPathComponent(
            "partial-\(plan.session)-\(plan.round)-\(UUID().uuidString.prefix(8)).safetensors"
        ).path
        defer { try? FileManager.default.removeItem(atPath: path) }
        // On its way up and removed once sent: a rename suffices.
        let written = try SafetensorsWriter.write(partial, to: path, durability: .atomic)
        _ = consume partial
        let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.uint64Value ?? 0
        let header = Fedge_V1_PartialHeader.with {
            $0.sessionID = plan.session.rawValue
            $0.round = UInt32(clamping: plan.round)
            $0.combiner = self.combiner.configuration.name
            $0.size = size
        }
        let receipt = try await controller.uploadPartial(options: Self.callOptions) { writer in
            try await ChunkedTransfer.send(file: path, header: header, knownID: written, as: Fedge_V1_PartialChunk.self)
            {
                try await writer.write($0)
            }
        }
        guard let id = ModelID(hex: receipt.partialID) else {
            throw RefusalError(.malformed, "the controller's receipt names no partial id")
        }
        return id
    }

}
