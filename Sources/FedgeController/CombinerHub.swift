package import FedgeCore
package import Foundation
package import Logging

/// The combiners attached to the controller: their streams, their clients and their load; the rounds they run
/// for the controller; and where new clients should go.
package actor CombinerHub {
    /// One attached combiner.
    package struct Attachment: Sendable {
        package var name: String
        package var address: String
        package var connection: UUID
        package var clients: [String: CombinerClient]
        package var lastSeen: Date
        /// Clients sent here since its last heartbeat (so that a burst of clients spreads out).
        package var recentAssignments: Int
        /// The models this combiner was sent plans for: the only ones it may download.
        package var models: Set<ModelID>
        fileprivate var outbox: AsyncStream<CombinerInstruction>.Continuation

        package var onlineClients: Int { self.clients.values.count { $0.liveness == .online } }
    }

    private struct RoundKey: Hashable {
        var session: String
        var round: Int
        var kind: TaskKind
    }

    private struct Collector {
        var expected: Set<String>
        /// The size of the round's model: partials may not be much larger.
        var modelSize: UInt64 = 0
        var outcomes: [String: CombinerOutcome] = [:]
        var progress: [String: RoundCounts] = [:]
        var validations: [String: [ValidationReport]] = [:]
        var training: [String: [TrainingReport]] = [:]
        var waiter: CheckedContinuation<Void, Never>?

        var complete: Bool { self.expected.isSubset(of: Set(self.outcomes.keys)) }
    }

    private var attached: [String: Attachment] = [:]
    private var collectors: [RoundKey: Collector] = [:]
    private let clock: any WallClock
    private let logger: Logger
    /// Told of every change of a combiner's clients or status, to persist and publish.
    private let observer: any CombinerHubObserver

    package init(observer: any CombinerHubObserver, clock: any WallClock = SystemWallClock(), logger: Logger) {
        self.observer = observer
        self.clock = clock
        self.logger = logger
    }

    // MARK: Combiners

    /// Registers a combiner's stream. A second stream under the name of a combiner that is alive (heard from
    /// within `liveWindow`) is refused: it is an impostor or a twin. One under the name of a combiner gone silent
    /// replaces it (the combiner restarted before the controller noticed the old stream was dead).
    package func attach(
        name: String,
        address: String,
        liveWindow: Duration
    ) async throws(RefusalError) -> (connection: UUID, commands: AsyncStream<CombinerInstruction>) {
        if let previous = self.attached[name] {
            let silence = self.clock.date.timeIntervalSince(previous.lastSeen)
            guard silence > liveWindow.inSeconds else {
                throw RefusalError(
                    .permissionDenied,
                    "a combiner named '\(name)' is attached and alive (heard \(Int(silence * 1000)) ms ago); a second attach under a live name is refused"
                )
            }
            previous.outbox.finish()
        }
        let (stream, continuation) = AsyncStream.makeStream(of: CombinerInstruction.self)
        let connection = UUID()
        self.attached[name] = Attachment(
            name: name,
            address: address,
            connection: connection,
            clients: [:],
            lastSeen: self.clock.date,
            recentAssignments: 0,
            models: [],
            outbox: continuation
        )
        self.logger.notice("Combiner attached", metadata: ["fedge.combiner": "\(name)", "fedge.address": "\(address)"])
        await self.observer.combinerAttached(name: name, address: address)
        return (connection, stream)
    }

    /// The combiner's stream ended: it is offline, and every round waiting for it gets a failed outcome.
    package func detach(name: String, connection: UUID) async {
        guard let attachment = self.attached[name], attachment.connection == connection else { return }
        attachment.outbox.finish()
        self.attached[name] = nil
        self.logger.warning("Combiner detached", metadata: ["fedge.combiner": "\(name)"])
        for key in self.collectors.keys
        where self.collectors[key]?.expected.contains(name) == true && self.collectors[key]?.outcomes[name] == nil {
            self.record(
                CombinerOutcome(
                    combiner: name,
                    succeeded: false,
                    reason: "the combiner went away during the round",
                    partial: nil,
                    updates: 0,
                    progress: self.collectors[key]?.progress[name] ?? RoundCounts()
                ),
                for: key
            )
        }
        await self.observer.combinerDetached(name: name)
    }

    /// A heartbeat: the combiner's clients as it sees them.
    package func heartbeat(name: String, connection: UUID, clients: [CombinerClient]) async {
        guard var attachment = self.attached[name], attachment.connection == connection else { return }
        attachment.clients = Dictionary(clients.map { ($0.name, $0) }, uniquingKeysWith: { $1 })
        attachment.lastSeen = self.clock.date
        attachment.recentAssignments = 0
        self.attached[name] = attachment
        await self.observer.clientsReported(combiner: name, clients: clients)
    }

    /// Whether combiner `name` was sent a plan for `model` (the only models it may download).
    package func wasGiven(_ model: ModelID, to name: String) -> Bool {
        self.attached[name]?.models.contains(model) ?? false
    }

    /// Tells every attached combiner the whole list of revoked tokens.
    package func broadcastRevocations(_ ids: Set<String>) {
        for attachment in self.attached.values { attachment.outbox.yield(.revocations(ids)) }
    }

    /// The attached combiners.
    package func attachments() -> [Attachment] {
        self.attached.values.sorted { $0.name < $1.name }
    }

    // MARK: Client assignment

    /// Where client `clientName` should connect: its preferred combiner if attached, else the one it is on, else
    /// the least-loaded one.
    package func assign(clientName: String, preferred: String?) -> Attachment? {
        let chosen: Attachment?
        if let preferred, let attachment = self.attached[preferred] {
            chosen = attachment
        } else if let home = self.attached.values.first(where: { $0.clients[clientName]?.liveness == .online }) {
            chosen = home
        } else {
            chosen = self.attached.values.min { a, b in
                let loadA = a.onlineClients + a.recentAssignments
                let loadB = b.onlineClients + b.recentAssignments
                return loadA != loadB ? loadA < loadB : a.name < b.name
            }
        }
        if let name = chosen?.name { self.attached[name]?.recentAssignments += 1 }
        return chosen
    }

    // MARK: Rounds

    /// Sends each combiner its plan and waits until every one reported an outcome, went away, or `until` passed
    /// (a combiner that did not answer by then counts as failed). Cancelling the caller cancels the round on every
    /// combiner.
    package func run(plans: [String: RoundPlan], until: Date) async -> [String: CombinerOutcome] {
        guard let first = plans.values.first else { return [:] }
        let key = RoundKey(session: first.session.rawValue, round: first.round, kind: first.kind)
        self.collectors[key] = Collector(expected: Set(plans.keys), modelSize: first.modelSize)
        for (name, plan) in plans {
            if let attachment = self.attached[name] {
                self.attached[name]?.models.insert(plan.model)
                if let package = plan.package { self.attached[name]?.models.insert(package) }
                attachment.outbox.yield(.plan(plan))
            } else {
                self.record(
                    CombinerOutcome(
                        combiner: name,
                        succeeded: false,
                        reason: "the combiner was not attached",
                        partial: nil,
                        updates: 0
                    ),
                    for: key
                )
            }
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await self.clock.sleep(until: until)
                await self.expire(key, cancelled: Task.isCancelled)
            }
            await self.waitForOutcomes(key)
            group.cancelAll()
        }
        let collector = self.collectors.removeValue(forKey: key)
        return collector?.outcomes ?? [:]
    }

    /// The open collector for `session`/`round` (a training round and its validation never overlap).
    private func key(session: String, round: Int) -> RoundKey? {
        self.collectors.keys.first { $0.session == session && $0.round == round }
    }

    /// The most bytes a partial of this round may have: sums are kept in at most double precision, plus room for
    /// the metadata (the contributions). `nil` when the round is not waiting for this combiner.
    package func partialLimit(name: String, session: String, round: Int) -> UInt64? {
        guard self.expects(name: name, session: session, round: round),
            let key = self.key(session: session, round: round)
        else { return nil }
        return (self.collectors[key]?.modelSize ?? 0) * 2 + 64 << 20
    }

    /// Whether combiner `name` is taking part in round `session`/`round` right now.
    package func expects(name: String, session: String, round: Int) -> Bool {
        guard let key = self.key(session: session, round: round) else { return false }
        return self.collectors[key]?.expected.contains(name) == true && self.collectors[key]?.outcomes[name] == nil
    }

    /// A combiner's progress on a round.
    package func progress(name: String, session: String, round: Int, counts: RoundCounts) {
        guard let key = self.key(session: session, round: round), self.collectors[key]?.expected.contains(name) == true
        else { return }
        self.collectors[key]?.progress[name] = counts
    }

    /// The live counts of round `session`/`round`, per combiner.
    package func progress(session: String, round: Int) -> [String: RoundCounts] {
        self.collectors.first { $0.key.session == session && $0.key.round == round && $0.key.kind == .train }?.value
            .progress ?? [:]
    }

    /// A client's validation, relayed by combiner `name` before its outcome.
    package func validation(name: String, session: String, round: Int, report: ValidationReport) {
        guard let key = self.key(session: session, round: round), key.kind == .validate,
            self.collectors[key]?.expected.contains(name) == true
        else { return }
        self.collectors[key]?.validations[name, default: []].append(report)
    }

    /// A client's training report, relayed by combiner `name` before its outcome.
    package func training(name: String, session: String, round: Int, report: TrainingReport) {
        guard let key = self.key(session: session, round: round), key.kind == .train,
            self.collectors[key]?.expected.contains(name) == true
        else { return }
        self.collectors[key]?.training[name, default: []].append(report)
    }

    /// A combiner's outcome for a round.
    package func outcome(name: String, session: String, round: Int, outcome: CombinerOutcome) {
        guard let key = self.key(session: session, round: round) else { return }
        var outcome = outcome
        outcome.validations = self.collectors[key]?.validations[name] ?? []
        outcome.training = self.collectors[key]?.training[name] ?? []
        if outcome.progress == RoundCounts() {
            outcome.progress = self.collectors[key]?.progress[name] ?? RoundCounts()
        }
        self.record(outcome, for: key)
    }

    private func record(_ outcome: CombinerOutcome, for key: RoundKey) {
        guard var collector = self.collectors[key], collector.expected.contains(outcome.combiner),
            collector.outcomes[outcome.combiner] == nil
        else {
            return
        }
        collector.outcomes[outcome.combiner] = outcome
        if collector.complete, let waiter = collector.waiter {
            collector.waiter = nil
            waiter.resume()
        }
        self.collectors[key] = collector
    }

    private func waitForOutcomes(_ key: RoundKey) async {
        guard self.collectors[key]?.complete == false else { return }
        await withCheckedContinuation { continuation in self.collectors[key]?.waiter = continuation }
    }

    /// The wait for `key` is over: combiners that did not answer fail; when the caller was cancelled, every
    /// combiner is told to cancel the round.
    private func expire(_ key: RoundKey, cancelled: Bool) {
        guard let collector = self.collectors[key] else { return }
        if cancelled {
            for name in collector.expected where collector.outcomes[name] == nil {
                self.attached[name]?.outbox.yield(
                    .cancel(session: key.session, round: key.round, reason: "the session was stopped")
                )
            }
        }
        for name in collector.expected where collector.outcomes[name] == nil {
            let reason = cancelled ? "the round was cancelled" : "the combiner did not report before the deadline"
            self.record(
                CombinerOutcome(
                    combiner: name,
                    succeeded: false,
                    reason: reason,
                    partial: nil,
                    updates: 0,
                    progress: collector.progress[name] ?? RoundCounts()
                ),
                for: key
            )
        }
    }
}
