import FedgeAggregation
import FedgeAPIModels
package import FedgeCore
package import FedgeStore
import FedgeTensor
package import Foundation
package import Logging

/// Runs sessions, one at a time, in the order they were created; each round: plan → push to combiners →
/// collect partials → reduce and take the server step → commit to the model trail → validate → events.
///
/// Everything it decides is written to the database before it acts on it, so a controller killed at any moment
/// restarts where it was: the interrupted session resumes at the round after its last committed model.
package actor Orchestrator {
    private let database: FedgeDatabase
    private let blobs: BlobStore
    private let hub: CombinerHub
    private let auditTrail: AuditTrail
    private let metrics: ControllerMetrics
    private let settings: Settings
    private let clock: any WallClock
    private let logger: Logger
    /// The scheduling loop waiting for work, and a wake-up that came while it was not waiting.
    private var waiter: CheckedContinuation<Void, Never>?
    private var pendingWake = false
    /// Set while a session trains: its id and how to stop it.
    private var running: (id: SessionID, stop: AsyncStream<SessionID>.Continuation)?

    /// Timing knobs, shortened by tests.
    package struct Settings: Sendable {
        /// How long after a round's deadline combiners may still deliver their partials.
        package var uploadGrace: Duration = .seconds(60)
        /// How often to look for combiners with clients while none has any.
        package var idlePoll: Duration = .seconds(1)
        package var partialsDirectory: URL

        package init(partialsDirectory: URL) { self.partialsDirectory = partialsDirectory }
    }

    package init(database: FedgeDatabase, blobs: BlobStore, hub: CombinerHub, auditTrail: AuditTrail, metrics: ControllerMetrics,
                 settings: Settings, clock: any WallClock = SystemWallClock(), logger: Logger) {
        self.database = database
        self.blobs = blobs
        self.hub = hub
        self.auditTrail = auditTrail
        self.metrics = metrics
        self.settings = settings
        self.clock = clock
        self.logger = logger
    }

    // MARK: Operator actions

    /// Validates `config`, resolves its model and queues a new session.
    package func createSession(_ config: SessionConfig, actor: String) async throws -> SessionRecord {
        var config = config
        try config.check()
        if config.model == nil {
            guard let active = try await self.database.activeModel() else {
                throw SessionError.noActiveModel
            }
            config.model = active
        }
        guard let model = config.model, try await self.database.model(model) != nil else {
            throw SessionError.unknownModel(config.model?.shortPrefix ?? "")
        }
        let id = "s-" + String(UUID().uuidString.lowercased().prefix(8))
        let record = SessionRecord(
            id: SessionID(id), config: String(decoding: try JSONEncoder().encode(config), as: UTF8.self), status: .queued,
            createdAt: self.clock.date, seedModel: model.hex
        )
        try await self.database.insertSession(record)
        await self.auditTrail.record(kind: "session.created", actor: actor, subject: id,
                                  message: "Session \(id) queued: \(config.rounds) rounds of \(config.aggregator) from model \(model.shortPrefix)")
        self.wake()
        return record
    }

    /// Stops a queued or running session; the round in flight is cancelled on every combiner.
    package func stopSession(_ id: SessionID, actor: String) async throws -> SessionRecord {
        guard let session = try await self.database.session(id) else { throw Self.noSuchSession(id) }
        guard session.status.isLive else {
            throw SessionError.wrongState(id: id, status: session.status, wanted: "only a queued or running session can be stopped")
        }
        try await self.database.setSessionStatus(id, .stopped, reason: "stopped by \(actor)")
        try await self.database.closeRunningRounds(session: id, status: .cancelled, reason: "the session was stopped by \(actor)")
        if let running = self.running, running.id == id { running.stop.yield(id) }
        await self.auditTrail.record(kind: "session.stopped", actor: actor, subject: id.rawValue, message: "Session \(id) stopped by \(actor)")
        return try await self.database.session(id) ?? session
    }

    /// Queues a stopped or failed session again; it resumes at the round after its last one.
    package func resumeSession(_ id: SessionID, actor: String) async throws -> SessionRecord {
        guard let session = try await self.database.session(id) else { throw Self.noSuchSession(id) }
        guard session.status == .stopped || session.status == .failed else {
            throw SessionError.wrongState(id: id, status: session.status, wanted: "only a stopped or failed session can be started again")
        }
        let config = try Self.decodeConfig(session)
        let done = try await self.database.rounds(ofSession: id).filter { $0.status != .running }.count
        guard done < config.rounds else {
            throw SessionError.finished(id: id, rounds: config.rounds)
        }
        try await self.database.setSessionStatus(id, .queued, reason: nil)
        await self.auditTrail.record(kind: "session.resumed", actor: actor, subject: id.rawValue, message: "Session \(id) queued again by \(actor)")
        self.wake()
        return try await self.database.session(id) ?? session
    }

    static func noSuchSession(_ id: SessionID) -> SessionError { .noSuchSession(id) }

    static func decodeConfig(_ session: SessionRecord) throws -> SessionConfig {
        try JSONDecoder().decode(SessionConfig.self, from: Data(session.config.utf8))
    }

    // MARK: The scheduling loop

    /// Trains sessions as they come, until cancelled.
    package func run() async throws {
        while !Task.isCancelled {
            if let next = try await self.database.nextSession() {
                await self.train(next)
                continue
            }
            await self.waitForWork(timeout: .seconds(5))
        }
    }

    /// Wakes the scheduling loop (a session was created or queued again).
    private func wake() {
        if let waiter = self.waiter {
            self.waiter = nil
            waiter.resume()
        } else {
            self.pendingWake = true
        }
    }

    /// Returns on a wake-up or after `timeout` (a periodic re-check).
    private func waitForWork(timeout: Duration) async {
        if self.pendingWake {
            self.pendingWake = false
            return
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                // Woken by the timeout, or (when the loop is cancelled, or a wake-up came first) by the cancellation.
                try? await self.clock.sleep(for: timeout)
                await self.wake()
            }
            await withCheckedContinuation { self.waiter = $0 }
            group.cancelAll()
        }
        self.pendingWake = false
    }

    /// Trains one session until its last round, a stop, or cancellation of the controller.
    private func train(_ session: SessionRecord) async {
        let (stops, stop) = AsyncStream.makeStream(of: SessionID.self, bufferingPolicy: .bufferingNewest(1))
        self.running = (session.id, stop)
        defer { self.running = nil }
        let resumed = session.status == .running
        do {
            try await self.database.setSessionStatus(SessionID(session.id.rawValue), .running)
            if resumed {
                await self.auditTrail.record(kind: "session.resumed", actor: "controller", subject: session.id.rawValue,
                                          message: "Session \(session.id) resumes after a restart")
            } else {
                self.metrics.sessionStarted()
                await self.auditTrail.record(kind: "session.started", actor: "controller", subject: session.id.rawValue, message: "Session \(session.id) started")
            }
            let finished: Bool = try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask { try await self.rounds(of: session) ; return true }
                group.addTask {
                    for await _ in stops { return false }
                    return false
                }
                let first = try await group.next() ?? false
                group.cancelAll()
                return first
            }
            if finished {
                try await self.database.setSessionStatus(SessionID(session.id.rawValue), .finished)
                await self.auditTrail.record(kind: "session.finished", actor: "controller", subject: session.id.rawValue, message: "Session \(session.id) finished")
            }
        } catch is CancellationError {
            // The controller is shutting down: the session stays `running` and resumes on the next start.
        } catch {
            self.logger.error("Session failed", metadata: ["fedge.session": "\(session.id)", "fedge.error": "\(error)"])
            try? await self.database.setSessionStatus(SessionID(session.id.rawValue), .failed, reason: "\(error)")
            try? await self.database.closeRunningRounds(session: SessionID(session.id.rawValue), status: .failed, reason: "the session failed: \(error)")
            await self.auditTrail.record(kind: "session.failed", actor: "controller", subject: session.id.rawValue, message: "Session \(session.id) failed: \(error)")
        }
    }

    /// Runs the session's remaining rounds.
    private func rounds(of session: SessionRecord) async throws {
        let config = try Self.decodeConfig(session)
        let aggregator = try config.aggregatorConfig()
        let history = try await self.database.rounds(ofSession: SessionID(session.id.rawValue))
        let committed = history.filter { $0.status == .committed }.max { $0.number < $1.number }
        var model = committed?.model.flatMap(ModelID.init(hex:)) ?? ModelID(hex: session.seedModel)!
        var stateBlob = committed?.optimizerState.flatMap(ModelID.init(hex:))
        var state = try self.loadState(stateBlob, model: model)
        let ended = history.filter { $0.status != .running }.map(\.number).max() ?? 0
        guard ended < config.rounds else { return }
        for number in (ended + 1)...config.rounds {
            try Task.checkCancellation()
            // The state is handed over (not shared), so the server step updates it in place without a copy.
            let outcome = try await self.round(number, of: session, config: config, aggregator: aggregator, model: model, state: state.take())
            if let outcome {
                model = outcome.model
                state = outcome.state
                stateBlob = outcome.stateBlob
            } else {
                // The round did not count: the next starts from the same model and the state saved with it.
                state = try self.loadState(stateBlob, model: model)
            }
        }
    }

    /// The server optimizer state saved as blob `id` for `model`, or `nil`.
    private func loadState(_ id: ModelID?, model: ModelID) throws -> ServerOptimizerState? {
        guard let id else { return nil }
        let base = try SafetensorsFile(path: self.blobs.path(for: model))
        return try ServerOptimizerState(file: SafetensorsFile(path: self.blobs.path(for: id)), layout: ModelLayout(base))
    }

    // MARK: One round

    /// Runs training round `number` on `model`; returns the new model and optimizer state (and its blob), or `nil`
    /// when the round did not count (the next round starts from the same model).
    private func round(
        _ number: Int,
        of session: SessionRecord,
        config: SessionConfig,
        aggregator: AggregatorConfig,
        model: ModelID,
        state: consuming ServerOptimizerState?
    ) async throws -> (model: ModelID, state: ServerOptimizerState?, stateBlob: ModelID?)? {
        let started = self.clock.now
        let startedAt = started.date
        let deadline = startedAt.addingTimeInterval(config.roundTimeout)
        let participants = try await self.waitForParticipants(until: deadline)
        let plans = self.plans(for: participants, session: session.id.rawValue, round: number, kind: .train, model: model, config: config, deadline: deadline)
        var record = RoundRecord(
            session: session.id, number: number, status: .running, startedAt: startedAt, deadline: deadline,
            minimum: config.clientsRequired
        )
        record.expected = plans.reduce(0) { total, entry in
            let online = participants.first { $0.name == entry.key }?.online ?? 0
            return total + (entry.value.quota == 0 ? online : min(entry.value.quota, online))
        }
        try await self.database.startRound(record)
        await self.auditTrail.record(
            kind: "round.started", actor: "controller", subject: "\(session.id)/\(number)",
            message: "Round \(number) of \(session.id) started on \(plans.count) combiner(s), \(record.expected) client(s) asked, model \(model.shortPrefix)"
        )

        let outcomes = plans.isEmpty ? [:] : await self.hub.run(plans: plans, until: deadline.addingTimeInterval(self.settings.uploadGrace.inSeconds))
        try Task.checkCancellation()
        for (name, outcome) in outcomes.sorted(by: { $0.key < $1.key }) {
            try await self.database.recordParticipation(ParticipationRecord(
                session: session.id, round: number, combiner: CombinerID(name), selected: outcome.progress.selected,
                received: outcome.updates, failed: outcome.progress.failed, refused: outcome.progress.refused, partial: outcome.partial?.hex
            ))
            for (reason, count) in outcome.progress.refusedByReason { self.metrics.refused(reason, count: count) }
        }
        let partials = outcomes.values.filter { $0.succeeded }.compactMap(\.partial)
        let updates = outcomes.values.filter { $0.succeeded && $0.partial != nil }.reduce(0) { $0 + $1.updates }
        record.received = updates
        defer { self.removePartials(partials) }

        guard updates >= config.clientsRequired, !partials.isEmpty else {
            let reasons = outcomes.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value.reason)" }.joined(separator: "; ")
            let reason = plans.isEmpty
                ? "no combiner had an active client before the deadline"
                : "\(updates) update(s) arrived; the round needs \(config.clientsRequired)" + (reasons.isEmpty ? "" : " (\(reasons))")
            record.status = .failed
            record.reason = reason
            record.endedAt = self.clock.date
            try await self.database.updateRound(record)
            self.metrics.roundEnded(committed: false, duration: started.duration(to: self.clock.now), updates: 0)
            await self.auditTrail.record(kind: "round.failed", actor: "controller", subject: "\(session.id)/\(number)", message: "Round \(number) of \(session.id) failed: \(reason)")
            return nil
        }

        // Off the actor: stopping or creating sessions stays responsive while a large model is reduced.
        let reduced = try await Self.reduce(
            partials: partials.map(self.partialPath), base: self.blobs.path(for: model), aggregator: aggregator, state: consume state, blobs: self.blobs
        )
        let (nextID, stateID) = (reduced.model, reduced.stateBlob)
        record.status = .committed
        record.model = nextID.hex
        record.optimizerState = stateID?.hex
        record.endedAt = self.clock.date
        record.reason = "\(updates) update(s) from \(partials.count) combiner(s)"
        let size = Int64(self.blobs.size(of: nextID))
        try await self.database.commitRound(
            record,
            model: ModelRecord(id: nextID, parent: model, session: session.id, round: number, aggregator: aggregator.name.rawValue,
                               size: size, totalWeight: reduced.totalWeight),
            contributions: reduced.contributions
        )
        try await self.database.setActiveModel(nextID)
        let duration = started.duration(to: self.clock.now)
        self.metrics.roundEnded(committed: true, duration: duration, updates: updates)
        try await self.database.recordMetrics([
            MetricRecord(session: session.id, round: number, client: nil, name: "round_duration_seconds", value: duration.inSeconds),
            MetricRecord(session: session.id, round: number, client: nil, name: "updates", value: Double(updates)),
        ] + Self.trainingMetrics(outcomes.values.filter { $0.succeeded }.flatMap(\.training), session: session.id.rawValue, round: number))
        await self.auditTrail.record(
            kind: "round.committed", actor: "controller", subject: "\(session.id)/\(number)",
            message: "Round \(number) of \(session.id) committed model \(nextID.shortPrefix) from \(updates) update(s) in \(String(format: "%.1f", duration.inSeconds)) s"
        )
        if config.validate {
            try await self.validate(nextID, session: session.id.rawValue, round: number, config: config)
        }
        return (nextID, reduced.state, stateID)
    }

    /// Asks clients to validate `model` and records their metrics, and their weighted mean for the round.
    private func validate(_ model: ModelID, session: String, round: Int, config: SessionConfig) async throws {
        let deadline = self.clock.date.addingTimeInterval(config.roundTimeout)
        let participants = self.withClients(await self.hub.attachments())
        guard !participants.isEmpty else { return }
        let plans = self.plans(for: participants, session: session, round: round, kind: .validate, model: model, config: config, deadline: deadline)
        let outcomes = await self.hub.run(plans: plans, until: deadline.addingTimeInterval(self.settings.uploadGrace.inSeconds))
        try Task.checkCancellation()
        let reports = outcomes.values.flatMap(\.validations).filter { $0.model == model }
        var means = WeightedMeans()
        for report in reports {
            let metricsJSON = String(decoding: (try? JSONEncoder().encode(report.metrics)) ?? Data("{}".utf8), as: UTF8.self)
            try await self.database.recordValidation(ValidationRecord(model: model.hex, client: report.client, metrics: metricsJSON, numExamples: report.numExamples))
            means.add(report.metrics, examples: report.numExamples)
        }
        let records = means.means.sorted { $0.key < $1.key }.map { MetricRecord(session: SessionID(session), round: round, client: nil, name: $0.key, value: $0.value) }
        try await self.database.recordMetrics(records)
        let summary = records.map { "\($0.name)=\(String(format: "%.4g", $0.value))" }.joined(separator: " ")
        await self.auditTrail.record(
            kind: "round.validated", actor: "controller", subject: "\(session)/\(round)",
            message: "Model \(model.shortPrefix) validated by \(reports.count) client(s)" + (summary.isEmpty ? "" : ": \(summary)")
        )
    }

    /// Each client's training metrics, and their means over clients weighted by examples as round metrics named
    /// `train_NAME` (validation means keep the plain names).
    static func trainingMetrics(_ reports: [TrainingReport], session: String, round: Int) -> [MetricRecord] {
        var records: [MetricRecord] = []
        var means = WeightedMeans()
        for report in reports.sorted(by: { $0.client < $1.client }) {
            for (name, value) in report.metrics.sorted(by: { $0.key < $1.key }) where value.isFinite {
                records.append(MetricRecord(session: SessionID(session), round: round, client: report.client, name: name, value: value))
            }
            means.add(report.metrics, examples: report.numExamples)
        }
        return records + means.means.sorted { $0.key < $1.key }.map {
            MetricRecord(session: SessionID(session), round: round, client: nil, name: "train_\($0.key)", value: $0.value)
        }
    }

    // MARK: Planning

    /// A combiner that can take part, with its active clients.
    struct Participant {
        var name: String
        var online: Int
    }

    private func withClients(_ attachments: [CombinerHub.Attachment]) -> [Participant] {
        attachments.map { Participant(name: $0.name, online: $0.onlineClients) }.filter { $0.online > 0 }
    }

    /// Waits until some combiner has an active client, or `deadline`.
    private func waitForParticipants(until deadline: Date) async throws -> [Participant] {
        while true {
            let participants = self.withClients(await self.hub.attachments())
            if !participants.isEmpty || self.clock.date >= deadline { return participants }
            try await self.clock.sleep(for: self.settings.idlePoll)
        }
    }

    /// One plan per participant: `requested_clients` and `buffer_size` split among combiners by their active
    /// clients (largest remainder, so the parts add up); a combiner whose share is zero sits the round out.
    func plans(for participants: [Participant], session: String, round: Int, kind: TaskKind, model: ModelID,
               config: SessionConfig, deadline: Date) -> [String: RoundPlan] {
        let size = self.blobs.size(of: model)
        let online = participants.map(\.online)
        let quotas = config.requestedClients > 0 && kind == .train ? Self.split(config.requestedClients, by: online) : online.map { _ in 0 }
        let share = quotas.enumerated().map { $0.element == 0 ? online[$0.offset] : $0.element }
        let buffers = config.bufferSize > 0 && kind == .train ? Self.split(config.bufferSize, by: share) : share.map { _ in 0 }
        var plans: [String: RoundPlan] = [:]
        for (index, participant) in participants.enumerated() {
            if config.requestedClients > 0 && kind == .train && quotas[index] == 0 { continue }
            if config.bufferSize > 0 && kind == .train && buffers[index] == 0 { continue }
            plans[participant.name] = RoundPlan(
                session: SessionID(session), round: round, kind: kind, model: model, modelSize: size, quota: quotas[index], deadline: deadline,
                bufferSize: buffers[index], minUpdates: 1, clientSettingsJSON: config.clientSettingsJSON,
                aggregator: config.aggregator, aggregatorParameters: config.aggregatorParams
            )
        }
        return plans
    }

    /// Splits `total` in proportion to `weights` (largest remainder), never giving a part more than its weight.
    package static func split(_ total: Int, by weights: [Int]) -> [Int] {
        let sum = weights.reduce(0, +)
        guard sum > 0 else { return weights.map { _ in 0 } }
        let target = min(total, sum)
        var parts = weights.map { target * $0 / sum }
        var remainders = weights.enumerated().map { (index: $0.offset, rest: target * $0.element % sum) }
        remainders.sort { $0.rest != $1.rest ? $0.rest > $1.rest : $0.index < $1.index }
        var left = target - parts.reduce(0, +)
        for entry in remainders where left > 0 && parts[entry.index] < weights[entry.index] {
            parts[entry.index] += 1
            left -= 1
        }
        return parts
    }

    // MARK: Partials

    /// Where partial aggregate `id` is kept until its round is reduced.
    package nonisolated func partialPath(_ id: ModelID) -> String {
        self.settings.partialsDirectory.appendingPathComponent("\(id.hex).safetensors").path
    }

    private func removePartials(_ ids: [ModelID]) {
        for id in ids { try? FileManager.default.removeItem(atPath: self.partialPath(id)) }
    }
}
