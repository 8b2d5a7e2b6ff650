import FedgeAggregation
package import FedgeCore
import FedgeRPC
import FedgeTensor
import Foundation
import Logging

/// Uploads: what is admitted before a byte moves, what is accepted into the reduce, what is refused.
extension RoundRunner {
    /// Checks an upload's header before any byte is stored: an open round, a task of it assigned to the sender, no
    /// earlier update for it, a plausible size and weight.
    package func admit(_ header: UpdateAnnouncement) async throws(RefusalError) {
        let assignedName = await self.assignedName(taskID: header.taskID)
        do {
            try self.admit(header, assignedName: assignedName)
        } catch {
            self.count(error.refusal)
            throw error
        }
    }

    private func admit(_ header: UpdateAnnouncement, assignedName: String?) throws(RefusalError) {
        guard var round = self.open else {
            throw RefusalError(
                .staleRound,
                "no round is open; task \(header.taskID) is for \(header.session)/\(header.round)"
            )
        }
        // The state machine knows clients by id; the header names the sender.
        let sender =
            assignedName == header.client
            ? round.taskClients[header.taskID] ?? ClientID("") : ClientID("name:\(header.client)")
        try round.machine.admit(taskID: header.taskID, session: header.session, round: header.round, client: sender)
        defer { self.open = round }
        guard header.size <= round.maxUpdateBytes else {
            round.machine.uploadAbandoned(taskID: header.taskID)
            throw RefusalError(
                .tooLarge,
                "the update announces \(header.size) bytes; updates of this model may have at most \(round.maxUpdateBytes)"
            )
        }
        guard header.numExamples > 0, header.numExamples.isFinite else {
            round.machine.uploadAbandoned(taskID: header.taskID)
            throw RefusalError(
                .badWeight,
                "the update's num_examples is \(header.numExamples); it must be a positive number"
            )
        }
        guard header.numExamples <= round.plan.maxNumExamples else {
            round.machine.uploadAbandoned(taskID: header.taskID)
            throw RefusalError(
                .badWeight,
                "the update claims num_examples \(header.numExamples); this session accepts at most \(round.plan.maxNumExamples) (session config max_num_examples)"
            )
        }
        do {
            try MetricMap.validate(header.metrics)
        } catch {
            round.machine.uploadAbandoned(taskID: header.taskID)
            throw RefusalError(.malformed, "the update's \(error)")
        }
    }

    /// Whether client `name` has a task in the open round on `model` (the only model it may download, with the
    /// session's compute package).
    package func mayDownload(_ model: ModelID, client name: String) async -> Bool {
        guard let round = self.open, round.plan.model == model || round.plan.package == model else { return false }
        for clientID in Set(round.taskClients.values) where await self.registry.name(of: clientID) == name {
            return true
        }
        return false
    }

    /// The name of the client task `taskID` was assigned to.
    private func assignedName(taskID: TaskID) async -> String? {
        guard let clientID = self.open?.taskClients[taskID] else { return nil }
        return await self.registry.name(of: clientID)
    }

    /// Takes in an admitted upload that was spooled and hash-checked at `path`.
    ///
    /// - Returns: the update's id.
    /// - Throws: `RefusalError` when the file is not a valid model, does not match the global model or holds
    ///   non-finite values; the upload is then abandoned and its file removed.
    package func accept(
        _ header: UpdateAnnouncement,
        path: String,
        id: ModelID,
        uploadSeconds: Double = 0
    ) throws(RefusalError) -> ModelID {
        // No copy of the open round is taken here: the reducer's buffers are mutated in place through `self.open`,
        // and a second reference would make the first fold copy a whole model.
        guard self.open?.machine.tasks[header.taskID]?.phase == .uploading else {
            try? FileManager.default.removeItem(atPath: path)
            self.count(.staleRound)
            throw RefusalError(
                .staleRound,
                "round \(header.session)/\(header.round) closed while the update was uploading"
            )
        }
        let file: SafetensorsFile
        do {
            file = try SafetensorsFile(path: path)
        } catch {
            return try self.refuse(
                header,
                path: path,
                RefusalError(.malformed, "the update is not a valid safetensors file: \(error)")
            )
        }
        let contribution = Contribution(
            client: header.client,
            combiner: self.configuration.name,
            weight: header.numExamples,
            update: id
        )
        let folding = ContinuousClock.now
        do {
            try self.open?.reducer?.add(file, weight: header.numExamples, contribution: contribution)
            self.open?.phases.fold += (ContinuousClock.now - folding).inSeconds
        } catch {
            let refusal: Refusal
            switch error {
            case .nonFinite: refusal = .nonFinite
            case .invalidWeight: refusal = .badWeight
            default: refusal = .wrongShape
            }
            return try self.refuse(header, path: path, RefusalError(refusal, error.description))
        }
        if self.open?.plan.aggregator.isRobust == true {
            self.open?.heldFiles.append(path)
        } else {
            try? FileManager.default.removeItem(atPath: path)
        }
        self.acceptedUpdates += 1
        self.open?.phases.add(header, uploadSeconds: uploadSeconds)
        if !header.metrics.isEmpty {
            self.open?.trainingMetrics[header.client] = RoundResult.TrainingMetrics(
                metrics: header.metrics,
                numExamples: header.numExamples
            )
        }
        let decision = self.open?.machine.accepted(taskID: header.taskID) ?? .keepWaiting
        let progress = self.open.map { "\($0.machine.received)/\($0.machine.selected)" } ?? ""
        self.logger.info(
            "Update accepted",
            metadata: [
                "fedge.client": "\(header.client)", "fedge.task.id": "\(header.taskID)",
                "fedge.update": "\(id.shortPrefix)",
                "fedge.num_examples": "\(header.numExamples)", "fedge.received": "\(progress)",
            ]
        )
        self.act(on: decision)
        return id
    }

    private func refuse(
        _ header: UpdateAnnouncement,
        path: String,
        _ refusal: RefusalError
    ) throws(RefusalError) -> ModelID {
        try? FileManager.default.removeItem(atPath: path)
        self.open?.machine.uploadAbandoned(taskID: header.taskID)
        self.open?.refused[refusal.refusal, default: 0] += 1
        self.count(refusal.refusal)
        self.logger.warning(
            "Update refused",
            metadata: [
                "fedge.client": "\(header.client)", "fedge.task.id": "\(header.taskID)", "fedge.reason": "\(refusal)",
            ]
        )
        throw refusal
    }

    /// An admitted upload broke off before it was accepted (the client disconnected, or its bytes were bad).
    package func abandon(taskID: TaskID, because refusal: Refusal?) {
        guard var round = self.open else { return }
        if round.machine.tasks[taskID]?.phase == .uploading {
            round.machine.uploadAbandoned(taskID: taskID)
            if let refusal { round.refused[refusal, default: 0] += 1 }
            self.open = round
        }
        if let refusal { self.count(refusal) }
    }
}
