import FedgeAggregation
package import FedgeCore
import FedgeRPC
import FedgeTensor
import Foundation
package import Logging

/// Executes round plans, one at a time: selects clients, sends tasks, takes in their uploads, and closes the round
/// when the buffer is full, every task ended, or the deadline passed.
///
/// Uploads are spooled to disk by the RPC layer, then checked here (right round, right client, not a duplicate,
/// matching the global model, finite) and folded into a streaming accumulator, so memory is one model whatever the
/// number of clients. Robust aggregators keep the spooled files, memory-mapped, until the round closes.
package actor RoundRunner {
    private struct OpenRound {
        var plan: RoundPlan
        var machine: RoundStateMachine
        var reducer: UpdateReducer?
        var layout: ModelLayout?
        var taskClients: [TaskID: ClientID]
        var refused: [Refusal: Int] = [:]
        var validations: [String: [String: Double]] = [:]
        var trainingMetrics: [String: RoundResult.TrainingMetrics] = [:]
        var heldFiles: [String] = []
        var waiter: CheckedContinuation<Void, Never>?
        var maxUpdateBytes: UInt64
    }

    private let configuration: CombinerConfiguration
    private let registry: ClientRegistry
    private let clock: any WallClock
    package nonisolated let models: ModelStore
    private let logger: Logger
    private var open: OpenRound?
    /// Refusals since the combiner started, by reason (also counted outside rounds, e.g. stale updates).
    package private(set) var refusals: [Refusal: Int] = [:]
    /// Updates accepted since the combiner started.
    package private(set) var acceptedUpdates = 0

    package init(
        configuration: CombinerConfiguration,
        registry: ClientRegistry,
        clock: any WallClock,
        models: ModelStore,
        logger: Logger
    ) {
        self.configuration = configuration
        self.registry = registry
        self.clock = clock
        self.models = models
        self.logger = logger
    }

    /// The spool directory for uploads in flight.
    package nonisolated var spoolDirectory: String { self.configuration.spoolDirectory.path }

    /// Runs one round to its end. The plan's model must be in the model store.
    package func execute(_ plan: RoundPlan) async throws -> RoundResult {
        precondition(self.open == nil, "one round at a time")
        let config = try plan.aggregatorConfig()
        guard self.models.contains(plan.model) else {
            throw RefusalError(
                .unknownModel,
                "model \(plan.model.shortPrefix) of round \(plan.session)/\(plan.round) is not in this combiner's store"
            )
        }
        let base = try SafetensorsFile(path: self.models.path(for: plan.model))
        let layout = ModelLayout(base)
        let metadata: Logger.Metadata = ["fedge.session": "\(plan.session)", "fedge.round": "\(plan.round)"]

        let selection: ClientSelection
        do {
            var generator = SystemRandomNumberGenerator()
            let eligible = await self.registry.eligible().map(\.id)
            selection = try ClientSelection(
                plan: plan,
                eligible: eligible,
                modelSize: self.models.size(of: plan.model),
                using: &generator
            )
        } catch {
            self.logger.warning("Round cannot start", metadata: metadata.merging(["fedge.reason": "\(error)"]) { $1 })
            return RoundResult(
                plan: plan,
                succeeded: false,
                reason: error.description,
                partial: nil,
                selected: error.available,
                received: 0,
                failed: 0,
                refused: [:],
                validations: [:]
            )
        }
        await self.open(plan, selection: selection, config: config, layout: layout, metadata: metadata)
        let deadline = plan.deadline
        await withTaskGroup(of: Void.self) { group in
            // Ends the wait at the deadline, or cancels the round when the caller is cancelled (after the round
            // closed, the cancellation below is a no-op).
            group.addTask {
                do {
                    try await self.clock.sleep(until: deadline)
                    try Task.checkCancellation()
                    await self.deadlinePassed()
                } catch {
                    await self.cancel(
                        session: plan.session,
                        round: plan.round,
                        reason: "the combiner stopped the round"
                    )
                }
            }
            await self.waitForClose()
            group.cancelAll()
        }
        return await self.finishRound()
    }

    /// Opens the round over the selected clients and sends each its task.
    private func open(
        _ plan: RoundPlan,
        selection: ClientSelection,
        config: AggregatorConfig,
        layout: ModelLayout,
        metadata: Logger.Metadata
    ) async {
        let taskClients = Dictionary(uniqueKeysWithValues: selection.assignments.map { ($0.task.id, $0.client) })
        self.open = OpenRound(
            plan: plan,
            machine: RoundStateMachine(
                session: plan.session,
                round: plan.round,
                tasks: taskClients,
                bufferSize: plan.bufferSize,
                minUpdates: plan.minUpdates
            ),
            reducer: plan.kind == .train ? UpdateReducer(config: config, layout: layout) : nil,
            layout: layout,
            taskClients: taskClients,
            maxUpdateBytes: UInt64(Double(self.models.size(of: plan.model)) * self.configuration.maxUpdateSizeFactor)
                + (1 << 20)
        )
        self.logger.info(
            "Round started",
            metadata: metadata.merging([
                "fedge.selected": "\(selection.assignments.count)", "fedge.eligible": "\(selection.eligible)",
                "fedge.aggregator": "\(config.name)", "fedge.model": "\(plan.model.shortPrefix)",
            ]) { $1 }
        )
        for (task, client) in selection.assignments {
            let sent = await self.registry.send(.run(task), to: client)
            if !sent { self.taskEnded(taskID: task.id, succeeded: false) }
        }
    }

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
    package func accept(_ header: UpdateAnnouncement, path: String, id: ModelID) throws(RefusalError) -> ModelID {
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
        do {
            try self.open?.reducer?.add(file, weight: header.numExamples, contribution: contribution)
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

    /// A client reported its task's status.
    ///
    /// The open round is read and written only between suspension points: another status may be handled while
    /// this one waits on the registry, so no copy of the round is held across an `await`.
    package func taskStatus(_ status: TaskReport, clientID: ClientID) async {
        guard self.open?.taskClients[status.taskID] == clientID else { return }
        switch status.state {
        case .failed, .cancelled:
            self.logger.warning(
                "Task failed",
                metadata: ["fedge.task.id": "\(status.taskID)", "fedge.error": "\(status.message)"]
            )
            await self.registry.taskFinished(clientID: clientID, succeeded: false)
            await self.registry.clearRunningTask(clientID: clientID, taskID: status.taskID)
            self.taskEnded(taskID: status.taskID, succeeded: false)
        case .succeeded:
            await self.registry.taskFinished(clientID: clientID, succeeded: true)
            await self.registry.clearRunningTask(clientID: clientID, taskID: status.taskID)
            guard self.open?.plan.kind == .validate else { return }
            let name = await self.registry.name(of: clientID) ?? clientID.rawValue
            guard self.open?.taskClients[status.taskID] == clientID else { return }
            self.open?.validations[name] = status.validation
            let decision = self.open?.machine.accepted(taskID: status.taskID) ?? .keepWaiting
            self.act(on: decision)
        case .accepted, .running:
            break
        }
    }

    /// A client's control stream closed: its outstanding task counts as failed (an upload may still come in).
    package func clientDisconnected(clientID: ClientID) {
        guard let round = self.open else { return }
        for (taskID, client) in round.taskClients
        where client == clientID && round.machine.tasks[taskID]?.phase == .assigned {
            self.taskEnded(taskID: taskID, succeeded: false)
        }
    }

    private func taskEnded(taskID: TaskID, succeeded: Bool) {
        guard var round = self.open else { return }
        let decision = round.machine.taskFailed(taskID: taskID)
        self.open = round
        self.act(on: decision)
    }

    /// Closes the open round, if it is `session`/`round` (any round when `nil`), as failed; `execute` then returns.
    package func cancel(session: SessionID? = nil, round: Int? = nil, reason: String) {
        guard var open = self.open, open.machine.closed == nil else { return }
        if let session, open.plan.session != session { return }
        if let round, open.plan.round != round { return }
        let decision = open.machine.cancel(reason: reason)
        self.open = open
        self.logger.notice(
            "Round cancelled",
            metadata: [
                "fedge.session": "\(open.plan.session)", "fedge.round": "\(open.plan.round)",
                "fedge.reason": "\(reason)",
            ]
        )
        self.act(on: decision)
    }

    /// Where the open round stands, for status pages.
    package struct Progress: Sendable, Hashable {
        package var plan: RoundPlan
        package var selected: Int
        package var received: Int
        package var failed: Int
        package var refused: Int
        package var refusedByReason: [Refusal: Int]
    }

    /// The open round's progress, or `nil` between rounds.
    package func progress() -> Progress? {
        guard let open = self.open else { return nil }
        return Progress(
            plan: open.plan,
            selected: open.machine.selected,
            received: open.machine.received,
            failed: open.machine.failed,
            refused: open.refused.values.reduce(0, +),
            refusedByReason: open.refused
        )
    }

    private func deadlinePassed() {
        guard var round = self.open else { return }
        let decision = round.machine.deadlinePassed()
        self.open = round
        self.act(on: decision)
    }

    private func act(on decision: RoundStateMachine.Decision) {
        guard case .close = decision, let waiter = self.open?.waiter else { return }
        self.open?.waiter = nil
        waiter.resume()
    }

    private func waitForClose() async {
        guard self.open?.machine.closed == nil else { return }
        await withCheckedContinuation { continuation in self.open?.waiter = continuation }
    }

    /// Cancels what is still outstanding, reduces, cleans up and closes the round.
    private func finishRound() async -> RoundResult {
        guard let round = self.open else { preconditionFailure("no open round") }
        self.open = nil
        let outstanding = Set(round.machine.outstanding)
        for (taskID, clientID) in round.taskClients {
            if outstanding.contains(taskID) {
                await self.registry.send(.cancel(taskID: taskID, reason: "the round closed"), to: clientID)
            }
            await self.registry.clearRunningTask(clientID: clientID, taskID: taskID)
        }
        guard case .close(let succeeded, let reason)? = round.machine.closed else {
            preconditionFailure("round not closed")
        }
        var result = RoundResult(
            plan: round.plan,
            succeeded: succeeded,
            reason: reason,
            partial: nil,
            selected: round.machine.selected,
            received: round.machine.received,
            failed: round.machine.failed,
            refused: round.refused,
            validations: round.validations
        )
        result.trainingMetrics = round.trainingMetrics
        if succeeded, let reducer = round.reducer {
            do {
                result.partial = try reducer.finish()
            } catch {
                result.succeeded = false
                result.reason = "\(error)"
            }
        }
        for path in round.heldFiles { try? FileManager.default.removeItem(atPath: path) }
        self.logger.info(
            succeeded ? "Round closed" : "Round failed",
            metadata: [
                "fedge.session": "\(round.plan.session)", "fedge.round": "\(round.plan.round)",
                "fedge.reason": "\(reason)",
                "fedge.received": "\(result.received)", "fedge.failed": "\(result.failed)",
            ]
        )
        return result
    }

    private func count(_ refusal: Refusal) {
        self.refusals[refusal, default: 0] += 1
    }
}
