import FedgeAggregation
import FedgeCore
import FedgeStore
import FedgeTensor
import Foundation

extension Orchestrator {
    /// A round under way: what was planned and recorded before the combiners were asked.
    struct OpenRound {
        var number: Int
        var session: SessionRecord
        var record: RoundRecord
        var started: WallInstant
        var plans: [String: RoundPlan]
    }

    /// Runs training round `number` on `model`; returns the new model and optimizer state (and its blob), or `nil`
    /// when the round did not count (the next round starts from the same model).
    func round(
        _ number: Int,
        of session: SessionRecord,
        config: SessionConfig,
        aggregator: AggregatorConfig,
        model: ModelID,
        state: consuming ServerOptimizerState?
    ) async throws -> (model: ModelID, state: ServerOptimizerState?, stateBlob: ModelID?)? {
        var phases = PhaseClock()
        var round = try await self.open(number, of: session, config: config, model: model)
        phases.end(.plan)
        let outcomes = try await self.collect(&round)
        phases.end(.collect)
        // The combiners work in parallel: the slowest one's time is the round's.
        for outcome in outcomes.values where outcome.succeeded {
            phases.measured.merge(outcome.phases) { max($0, $1) }
        }
        let partials = outcomes.values.filter { $0.succeeded }.compactMap(\.partial)
        let updates = outcomes.values.filter { $0.succeeded && $0.partial != nil }.reduce(0) { $0 + $1.updates }
        round.record.received = updates
        defer { self.removePartials(partials) }
        guard updates >= config.clientsRequired, !partials.isEmpty else {
            let reasons = outcomes.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value.reason)" }.joined(
                separator: "; "
            )
            let reason =
                round.plans.isEmpty
                ? "no combiner had an active client before the deadline"
                : "\(updates) update(s) arrived; the round needs \(config.clientsRequired)"
                    + (reasons.isEmpty ? "" : " (\(reasons))")
            try await self.fail(round, reason: reason)
            return nil
        }
        // Off the actor: stopping or creating sessions stays responsive while a large model is reduced.
        let reduced: Reduced
        do {
            reduced = try await Self.reduce(
                partials: partials.map(self.partialPath),
                base: self.blobs.path(for: model),
                baseID: model,
                aggregator: aggregator,
                state: consume state,
                blobs: self.blobs
            )
        } catch let error as AggregationError {
            if case .nonFinite = error {
                try await self.fail(round, reason: "the reduced model is not finite (\(error)); it was not committed")
                return nil
            }
            throw error
        }
        // The count that matters is the contributions in the partials, not what the combiners say they folded.
        let contributed = reduced.contributions.count
        guard contributed >= config.clientsRequired else {
            try await self.fail(
                round,
                reason:
                    "the partials hold \(contributed) contribution(s) (the combiners reported \(updates)); the round needs \(config.clientsRequired)"
            )
            return nil
        }
        round.record.received = contributed
        phases.end(.reduce)

        try await self.commit(
            round,
            reduced: reduced,
            parent: model,
            aggregator: aggregator,
            updates: contributed,
            partials: partials.count,
            training: outcomes.values.filter { $0.succeeded }.flatMap(\.training)
        )
        phases.end(.commit)
        if config.validate {
            try await self.validate(reduced.model, session: session.id, round: number, config: config)
            phases.end(.validation)
        }
        try await self.database.recordRoundPhases(session: session.id, round: number, phases.measured.named)
        return (reduced.model, reduced.state, reduced.stateBlob)
    }

    /// Times a round's phases one after another on the monotonic clock (the wall clock may be a test's).
    struct PhaseClock {
        var measured: [RoundPhase: Double] = [:]
        private var last = ContinuousClock.now

        /// Ends `phase` now: it took the time since the previous phase ended.
        mutating func end(_ phase: RoundPhase) {
            let now = ContinuousClock.now
            self.measured[phase] = (now - self.last).inSeconds
            self.last = now
        }
    }

    /// Waits for combiners with active clients, plans the round over them and records it as running.
    private func open(
        _ number: Int,
        of session: SessionRecord,
        config: SessionConfig,
        model: ModelID
    ) async throws -> OpenRound {
        let started = self.clock.now
        let deadline = started.date.addingTimeInterval(config.roundTimeout)
        let planner = try await self.waitForParticipants(until: deadline)
        let plans = planner.plans(
            session: session.id,
            round: number,
            kind: .train,
            model: model,
            modelSize: self.blobs.size(of: model),
            config: config,
            deadline: deadline
        )
        var record = RoundRecord(
            session: session.id,
            number: number,
            status: .running,
            startedAt: started.date,
            deadline: deadline,
            minimum: config.clientsRequired
        )
        record.expected = planner.expectedClients(plans)
        try await self.database.startRound(record)
        await self.auditTrail.record(
            kind: "round.started",
            actor: "controller",
            subject: "\(session.id)/\(number)",
            message:
                "Round \(number) of \(session.id) started on \(plans.count) combiner(s), \(record.expected) client(s) asked, model \(model.shortPrefix)"
        )
        return OpenRound(number: number, session: session, record: record, started: started, plans: plans)
    }

    /// Sends the plans, waits for every combiner's outcome (or the deadline plus the upload grace) and records each
    /// combiner's part.
    private func collect(_ round: inout OpenRound) async throws -> [String: CombinerOutcome] {
        guard !round.plans.isEmpty, let deadline = round.record.deadline else { return [:] }
        let outcomes = await self.hub.run(
            plans: round.plans,
            until: deadline.addingTimeInterval(self.settings.uploadGrace.inSeconds)
        )
        try Task.checkCancellation()
        for (name, outcome) in outcomes.sorted(by: { $0.key < $1.key }) {
            try await self.database.recordParticipation(
                ParticipationRecord(
                    session: round.session.id,
                    round: round.number,
                    combiner: CombinerID(name),
                    selected: outcome.progress.selected,
                    received: outcome.updates,
                    failed: outcome.progress.failed,
                    refused: outcome.progress.refused,
                    partial: outcome.partial?.hex
                )
            )
            for (reason, count) in outcome.progress.refusedByReason { self.metrics.refused(reason, count: count) }
        }
        return outcomes
    }

    /// Records that the round did not count, and why.
    private func fail(_ round: OpenRound, reason: String) async throws {
        var record = round.record
        record.status = .failed
        record.reason = reason
        record.endedAt = self.clock.date
        try await self.database.updateRound(record)
        self.metrics.roundEnded(committed: false, duration: round.started.duration(to: self.clock.now), updates: 0)
        await self.auditTrail.record(
            kind: "round.failed",
            actor: "controller",
            subject: "\(round.session.id)/\(round.number)",
            message: "Round \(round.number) of \(round.session.id) failed: \(reason)"
        )
    }

    /// Commits the reduced model to the trail with its contributions, makes it active, and records the round's
    /// metrics.
    private func commit(
        _ round: OpenRound,
        reduced: Reduced,
        parent: ModelID,
        aggregator: AggregatorConfig,
        updates: Int,
        partials: Int,
        training: [TrainingReport]
    ) async throws {
        let (session, number) = (round.session.id, round.number)
        var record = round.record
        record.status = .committed
        record.model = reduced.model.hex
        record.optimizerState = reduced.stateBlob?.hex
        record.endedAt = self.clock.date
        record.reason = "\(updates) update(s) from \(partials) combiner(s)"
        try await self.database.commitRound(
            record,
            model: ModelRecord(
                id: reduced.model,
                parent: parent,
                session: session,
                round: number,
                aggregator: aggregator.name.rawValue,
                size: Int64(self.blobs.size(of: reduced.model)),
                totalWeight: reduced.totalWeight
            ),
            contributions: reduced.contributions
        )
        try await self.database.setActiveModel(reduced.model)
        let duration = round.started.duration(to: self.clock.now)
        self.metrics.roundEnded(committed: true, duration: duration, updates: updates)
        try await self.database.recordMetrics(
            [
                MetricRecord(
                    session: session,
                    round: number,
                    client: nil,
                    name: "round_duration_seconds",
                    value: duration.inSeconds
                ),
                MetricRecord(session: session, round: number, client: nil, name: "updates", value: Double(updates)),
            ] + Self.trainingMetrics(training, session: session, round: number)
        )
        await self.auditTrail.record(
            kind: "round.committed",
            actor: "controller",
            subject: "\(session)/\(number)",
            message:
                "Round \(number) of \(session) committed model \(reduced.model.shortPrefix) from \(updates) update(s) in \(String(format: "%.1f", duration.inSeconds)) s"
        )
    }

    /// Asks clients to validate `model` and records their metrics, and their weighted mean for the round.
    private func validate(_ model: ModelID, session: SessionID, round: Int, config: SessionConfig) async throws {
        let deadline = self.clock.date.addingTimeInterval(config.roundTimeout)
        let planner = self.planner(await self.hub.attachments())
        guard !planner.participants.isEmpty else { return }
        let plans = planner.plans(
            session: session,
            round: round,
            kind: .validate,
            model: model,
            modelSize: self.blobs.size(of: model),
            config: config,
            deadline: deadline
        )
        let outcomes = await self.hub.run(
            plans: plans,
            until: deadline.addingTimeInterval(self.settings.uploadGrace.inSeconds)
        )
        try Task.checkCancellation()
        let reports = outcomes.values.flatMap(\.validations).filter { $0.model == model }
        var means = WeightedMeans()
        for report in reports {
            let metricsJSON = String(
                decoding: (try? JSONEncoder().encode(report.metrics)) ?? Data("{}".utf8),
                as: UTF8.self
            )
            try await self.database.recordValidation(
                ValidationRecord(
                    model: model.hex,
                    client: report.client,
                    metrics: metricsJSON,
                    numExamples: report.numExamples
                )
            )
            means.add(report.metrics, examples: report.numExamples)
        }
        let records = means.means.sorted { $0.key < $1.key }.map {
            MetricRecord(session: session, round: round, client: nil, name: $0.key, value: $0.value)
        }
        try await self.database.recordMetrics(records)
        let summary = records.map { "\($0.name)=\(String(format: "%.4g", $0.value))" }.joined(separator: " ")
        await self.auditTrail.record(
            kind: "round.validated",
            actor: "controller",
            subject: "\(session)/\(round)",
            message: "Model \(model.shortPrefix) validated by \(reports.count) client(s)"
                + (summary.isEmpty ? "" : ": \(summary)")
        )
    }

    /// Each client's training metrics, and their means over clients weighted by examples as round metrics named
    /// `train_NAME` (validation means keep the plain names).
    static func trainingMetrics(_ reports: [TrainingReport], session: SessionID, round: Int) -> [MetricRecord] {
        var records: [MetricRecord] = []
        var means = WeightedMeans()
        for report in reports.sorted(by: { $0.client < $1.client }) {
            for (name, value) in report.metrics.sorted(by: { $0.key < $1.key }) where value.isFinite {
                records.append(
                    MetricRecord(session: session, round: round, client: report.client, name: name, value: value)
                )
            }
            means.add(report.metrics, examples: report.numExamples)
        }
        return records
            + means.means.sorted { $0.key < $1.key }.map {
                MetricRecord(session: session, round: round, client: nil, name: "train_\($0.key)", value: $0.value)
            }
    }

    /// The planner over the attached combiners that have active clients.
    func planner(_ attachments: [CombinerHub.Attachment]) -> RoundPlanner {
        RoundPlanner(
            participants: attachments.map { RoundPlanner.Participant(name: $0.name, online: $0.onlineClients) }
        )
    }

    /// Waits until some combiner has an active client, or `deadline`.
    private func waitForParticipants(until deadline: Date) async throws -> RoundPlanner {
        while true {
            let planner = self.planner(await self.hub.attachments())
            if !planner.participants.isEmpty || self.clock.date >= deadline { return planner }
            try await self.clock.sleep(for: self.settings.idlePoll)
        }
    }
}
