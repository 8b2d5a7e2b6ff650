import FedgeAPIModels
import FedgeAggregation
package import FedgeCore
package import FedgeSecurity
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
    let database: FedgeDatabase
    let blobs: BlobStore
    let hub: CombinerHub
    let auditTrail: AuditTrail
    let metrics: ControllerMetrics
    let settings: Settings
    let clock: any WallClock
    let logger: Logger
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

    package init(
        database: FedgeDatabase,
        blobs: BlobStore,
        hub: CombinerHub,
        auditTrail: AuditTrail,
        metrics: ControllerMetrics,
        settings: Settings,
        clock: any WallClock = SystemWallClock(),
        logger: Logger
    ) {
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
    package func createSession(_ config: SessionConfig, actor: Identity) async throws -> SessionRecord {
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
        // The session runs the package it names, else the active one (if any); it is fixed for the whole session.
        if config.package == nil { config.package = try await self.database.activePackage() }
        if let package = config.package {
            guard let record = try await self.database.package(package) else {
                throw SessionError.unknownPackage(package.shortPrefix)
            }
            config.packageSize = UInt64(max(record.size, 0))
        }
        let id = "s-" + String(UUID().uuidString.lowercased().prefix(8))
        let record = SessionRecord(
            id: SessionID(id),
            config: String(decoding: try JSONEncoder().encode(config), as: UTF8.self),
            status: .queued,
            createdAt: self.clock.date,
            seedModel: model.hex
        )
        try await self.database.insertSession(record)
        await self.auditTrail.record(
            kind: "session.created",
            by: actor,
            subject: id,
            message:
                "Session \(id) queued: \(config.rounds) rounds of \(config.aggregator) from model \(model.shortPrefix)"
                + (config.package.map { ", package \($0.shortPrefix)" } ?? "")
        )
        self.wake()
        return record
    }

    /// Stops a queued or running session; the round in flight is cancelled on every combiner.
    package func stopSession(_ id: SessionID, actor: Identity) async throws -> SessionRecord {
        guard let session = try await self.database.session(id) else { throw Self.noSuchSession(id) }
        guard session.status.isLive else {
            throw SessionError.wrongState(
                id: id,
                status: session.status,
                wanted: "only a queued or running session can be stopped"
            )
        }
        try await self.database.setSessionStatus(id, .stopped, reason: "stopped by \(actor.name)")
        try await self.database.closeRunningRounds(
            session: id,
            status: .cancelled,
            reason: "the session was stopped by \(actor.name)"
        )
        if let running = self.running, running.id == id { running.stop.yield(id) }
        await self.auditTrail.record(
            kind: "session.stopped",
            by: actor,
            subject: id.rawValue,
            message: "Session \(id) stopped by \(actor.name)"
        )
        return try await self.database.session(id) ?? session
    }

    /// Queues a stopped or failed session again; it resumes at the round after its last one.
    package func resumeSession(_ id: SessionID, actor: Identity) async throws -> SessionRecord {
        guard let session = try await self.database.session(id) else { throw Self.noSuchSession(id) }
        guard session.status == .stopped || session.status == .failed else {
            throw SessionError.wrongState(
                id: id,
                status: session.status,
                wanted: "only a stopped or failed session can be started again"
            )
        }
        let config = try Self.decodeConfig(session)
        let done = try await self.database.rounds(ofSession: id).filter { $0.status != .running }.count
        guard done < config.rounds else {
            throw SessionError.finished(id: id, rounds: config.rounds)
        }
        try await self.database.setSessionStatus(id, .queued, reason: nil)
        await self.auditTrail.record(
            kind: "session.resumed",
            by: actor,
            subject: id.rawValue,
            message: "Session \(id) queued again by \(actor.name)"
        )
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
                await self.auditTrail.record(
                    kind: "session.resumed",
                    actor: "controller",
                    subject: session.id.rawValue,
                    message: "Session \(session.id) resumes after a restart"
                )
            } else {
                self.metrics.sessionStarted()
                await self.auditTrail.record(
                    kind: "session.started",
                    actor: "controller",
                    subject: session.id.rawValue,
                    message: "Session \(session.id) started"
                )
            }
            let finished: Bool = try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    try await self.rounds(of: session)
                    return true
                }
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
                await self.auditTrail.record(
                    kind: "session.finished",
                    actor: "controller",
                    subject: session.id.rawValue,
                    message: "Session \(session.id) finished"
                )
            }
        } catch is CancellationError {
            // The controller is shutting down: the session stays `running` and resumes on the next start.
        } catch {
            self.logger.error(
                "Session failed",
                metadata: ["fedge.session": "\(session.id)", "fedge.error": "\(error)"]
            )
            // The failure is stored even if that has to wait: when the disk is full, the write that failed the session
            // fails too, and a session whose end is not stored would stay `running` with nothing running it.
            let stored = await self.storeUntilDone("the session's failure", session: SessionID(session.id.rawValue)) {
                try await self.database.setSessionStatus(SessionID(session.id.rawValue), .failed, reason: "\(error)")
                try await self.database.closeRunningRounds(
                    session: SessionID(session.id.rawValue),
                    status: .failed,
                    reason: "the session failed: \(error)"
                )
            }
            guard stored else { return }
            await self.auditTrail.record(
                kind: "session.failed",
                actor: "controller",
                subject: session.id.rawValue,
                message: "Session \(session.id) failed: \(error)"
            )
        }
    }

    /// Runs `write` until it succeeds, trying again every second and then every 5 s (the disk that was full may have
    /// room again): `false` only when the controller stops meanwhile (the session then resumes on its next start).
    private func storeUntilDone(
        _ what: String,
        session: SessionID,
        _ write: () async throws -> Void
    ) async -> Bool {
        var attempt = 0
        while true {
            do {
                try await write()
                if attempt > 0 {
                    self.logger.notice(
                        "Stored \(what) after \(attempt) failed attempt(s)",
                        metadata: ["fedge.session": "\(session)"]
                    )
                }
                return true
            } catch {
                if attempt == 0 {
                    self.logger.error(
                        "Cannot store \(what) yet; trying again until it can be",
                        metadata: ["fedge.session": "\(session)", "fedge.error": "\(error)"]
                    )
                }
                attempt += 1
                do {
                    try await self.clock.sleep(for: attempt < 10 ? .seconds(1) : .seconds(5))
                } catch {
                    return false
                }
            }
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
            let outcome = try await self.round(
                number,
                of: session,
                config: config,
                aggregator: aggregator,
                model: model,
                state: state.take()
            )
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
        return try ServerOptimizerState(
            file: SafetensorsFile(path: self.blobs.path(for: id)),
            layout: ModelLayout(base)
        )
    }

    // MARK: Partials

    /// Where partial aggregate `id` is kept until its round is reduced.
    package nonisolated func partialPath(_ id: ModelID) -> String {
        self.settings.partialsDirectory.appendingPathComponent("\(id.hex).safetensors").path
    }

    func removePartials(_ ids: [ModelID]) {
        for id in ids { try? FileManager.default.removeItem(atPath: self.partialPath(id)) }
    }
}
