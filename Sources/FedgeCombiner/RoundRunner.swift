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
    struct OpenRound {
        var plan: RoundPlan
        var machine: RoundStateMachine
        var reducer: UpdateReducer?
        var layout: ModelLayout?
        var taskClients: [TaskID: ClientID]
        /// What was sent to each client, to send again when it dials in anew (`clientReconnected`).
        var tasks: [TaskID: TrainingTask] = [:]
        var refused: [Refusal: Int] = [:]
        var validations: [String: [String: Double]] = [:]
        var trainingMetrics: [String: RoundResult.TrainingMetrics] = [:]
        var heldFiles: [String] = []
        var phases = PhaseTotals()
        var waiter: CheckedContinuation<Void, Never>?
        var maxUpdateBytes: UInt64
    }

    let configuration: CombinerConfiguration
    let registry: ClientRegistry
    private let clock: any WallClock
    package nonisolated let models: ModelStore
    let logger: Logger
    var open: OpenRound?
    /// Refusals since the combiner started, by reason (also counted outside rounds, e.g. stale updates).
    package private(set) var refusals: [Refusal: Int] = [:]
    /// Updates accepted since the combiner started.
    package internal(set) var acceptedUpdates = 0

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
            selection = try await self.select(plan)
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

    /// Chooses the round's clients. When too few are online and idle (clients reconnecting after a link was cut,
    /// a combiner's clients moving in after it died, the previous round's stragglers), it waits for them, checking
    /// every 100 ms, until half the time to the deadline is gone: the other half is left to train. Without the wait
    /// a session whose clients were away for a moment would fail all its remaining rounds within milliseconds.
    ///
    /// - Throws: `ClientSelection.Shortfall` when they did not come in time or the round was cancelled meanwhile.
    private func select(_ plan: RoundPlan) async throws(ClientSelection.Shortfall) -> ClientSelection {
        let start = self.clock.now
        let giveUp = start.advanced(by: start.duration(to: WallInstant(plan.deadline)) / 2)
        var generator = SystemRandomNumberGenerator()
        while true {
            let eligible = await self.registry.eligible().map(\.id)
            do {
                return try ClientSelection(
                    plan: plan,
                    eligible: eligible,
                    modelSize: self.models.size(of: plan.model),
                    using: &generator
                )
            } catch {
                let now = self.clock.now
                guard now < giveUp else { throw error }
                do {
                    try await self.clock.sleep(until: min(giveUp, now.advanced(by: .milliseconds(100))), tolerance: nil)
                } catch {
                    throw ClientSelection.Shortfall(available: eligible.count, needed: max(1, plan.minUpdates))
                }
            }
        }
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
            tasks: Dictionary(uniqueKeysWithValues: selection.assignments.map { ($0.task.id, $0.task) }),
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
        for assignment in selection.assignments {
            let sent = await self.registry.send(.run(assignment.task), to: assignment.client)
            if !sent { self.taskEnded(taskID: assignment.task.id, succeeded: false) }
        }
    }

    /// A client reported its task's status.
    ///
    /// The open round is read and written only between suspension points: another status may be handled while
    /// this one waits on the registry, so no copy of the round is held across an `await`.
    package func taskStatus(_ status: TaskReport, clientID: ClientID) async {
        guard self.open?.taskClients[status.taskID] == clientID else { return }
        var status = status
        if status.state == .succeeded {
            do {
                try MetricMap.validate(status.validation.filter { $0.key != "num_examples" })
            } catch {
                // A validation whose report is beyond the limits counts as failed; nothing of it is kept.
                status = TaskReport(
                    taskID: status.taskID,
                    state: .failed,
                    message: "the validation's \(error)",
                    validation: [:]
                )
            }
        }
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

    /// A client dialled in anew while its task of the open round was still assigned: the task is sent again on the
    /// new stream. It may have been written on the old one after the client had given that up (a stalled link is
    /// noticed by the client first; the combiner hears of it only when bytes flow again), and then nothing but the
    /// round's deadline would end it. A client that did get it and runs it ignores the second assignment.
    package func clientReconnected(clientID: ClientID) async {
        guard let round = self.open, round.machine.closed == nil else { return }
        let pending = round.taskClients.filter { taskID, client in
            client == clientID && round.machine.tasks[taskID]?.phase == .assigned
        }
        for taskID in pending.keys.sorted(by: { $0.rawValue < $1.rawValue }) {
            guard let task = round.tasks[taskID] else { continue }
            self.logger.info(
                "Task sent again on the client's new stream",
                metadata: ["fedge.task.id": "\(taskID)", "fedge.client.id": "\(clientID)"]
            )
            await self.registry.send(.run(task), to: clientID)
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

    func act(on decision: RoundStateMachine.Decision) {
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
        var phases = round.phases
        if succeeded, let reducer = round.reducer {
            let started = ContinuousClock.now
            do {
                result.partial = try reducer.finish()
            } catch {
                result.succeeded = false
                result.reason = "\(error)"
            }
            phases.fold += (ContinuousClock.now - started).inSeconds
        }
        result.phases = phases.phases
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

    /// The time the accepted updates of a round took, summed, for its phases.
    struct PhaseTotals {
        var updates = 0
        var download = 0.0
        var train = 0.0
        var upload = 0.0
        var fold = 0.0

        mutating func add(_ header: UpdateAnnouncement, uploadSeconds: Double) {
            self.updates += 1
            self.download += header.downloadSeconds.isFinite ? max(0, header.downloadSeconds) : 0
            self.train += header.trainSeconds.isFinite ? max(0, header.trainSeconds) : 0
            self.upload += uploadSeconds
        }

        /// The client phases as means over the updates, the fold as the total.
        var phases: [RoundPhase: Double] {
            guard self.updates > 0 else { return self.fold > 0 ? [.fold: self.fold] : [:] }
            let count = Double(self.updates)
            return [
                .download: self.download / count, .train: self.train / count, .upload: self.upload / count,
                .fold: self.fold,
            ]
        }
    }

    func count(_ refusal: Refusal) {
        self.refusals[refusal, default: 0] += 1
    }
}
