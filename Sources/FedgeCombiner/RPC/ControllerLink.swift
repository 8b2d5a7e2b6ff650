import FedgeAggregation
package import FedgeCore
import FedgeProto
package import FedgeRPC
import FedgeTensor
import Foundation
package import GRPCCore
import GRPCNIOTransportHTTP2
package import Logging
package import Synchronization
package import ServiceLifecycle
import SwiftProtobuf

/// A combiner's tie to its controller: it dials out, holds the `Attach` stream (hello, heartbeats with its
/// clients, round progress and outcomes up; plans and cancellations down), fetches global models, runs each plan
/// with the round runner and uploads the partial aggregate. After any failure it dials again with backoff; a
/// round in flight when the controller goes away is cancelled (the controller plans it again).
package struct ControllerLink: Service {
    package let combiner: Combiner
    package let controller: FedgeRPC.Endpoint
    package let security: TransportSecurity
    /// Where this combiner's clients reach it, as the controller should tell them (host:port).
    package let advertisedAddress: String
    package let logger: Logger
    package var backoff = Backoff(initial: .milliseconds(200), maximum: .seconds(10))
    /// Whether the stream to the controller is up, for status pages.
    package let status = LinkStatus()
    /// Where notable events go, for the combiner's control socket.
    package var events = CombinerEvents()

    package init(combiner: Combiner, controller: FedgeRPC.Endpoint, security: TransportSecurity, advertisedAddress: String, logger: Logger) {
        self.combiner = combiner
        self.controller = controller
        self.security = security
        self.advertisedAddress = advertisedAddress
        self.logger = logger
    }

    /// Calls fail fast; the link's own backoff decides when to retry.
    static var callOptions: CallOptions {
        var options = CallOptions.defaults
        options.waitForReady = false
        return options
    }

    /// Holds the link until cancelled or until its service group shuts down, dialling over HTTP/2.
    package func run() async throws {
        let (controller, security) = (self.controller, self.security)
        try await cancelWhenGracefulShutdown {
            try await self.run {
                try HTTP2ClientTransport.Posix(target: controller.target, transportSecurity: security.client())
            }
        }
    }

    /// Holds the link until cancelled, dialling through transports from `makeTransport` (one per attempt).
    package func run<Transport: ClientTransport>(makeTransport: @Sendable () throws -> Transport) async throws {
        var backoff = self.backoff
        while !Task.isCancelled {
            let welcomed = Atomic<Bool>(false)
            do {
                try await withGRPCClient(transport: try makeTransport()) { client in
                    try await self.session(Fedge_V1_Controller.Client(wrapping: client)) { welcomed.store(true, ordering: .relaxed) }
                    client.beginGracefulShutdown()
                }
                self.logger.warning("The controller closed the stream", metadata: ["fedge.controller": "\(self.controller)"])
            } catch where Task.isCancelled {
                return
            } catch {
                self.logger.warning("Link to the controller failed", metadata: ["fedge.controller": "\(self.controller)", "fedge.error": "\(error)"])
            }
            if self.status.isAttached { self.events.record("controller.detached", "Lost the controller at \(self.controller); dialling again") }
            self.status.attached.store(false, ordering: .relaxed)
            if welcomed.load(ordering: .relaxed) { backoff.reset() }
            do { try await Task.sleep(for: backoff.next()) } catch { return }
        }
    }

    private func session<Transport: ClientTransport>(
        _ controller: Fedge_V1_Controller.Client<Transport>,
        onWelcome: @escaping @Sendable () -> Void
    ) async throws {
        let (reports, outbox) = AsyncStream.makeStream(of: Fedge_V1_CombinerReport.self, bufferingPolicy: .bufferingNewest(10_000))
        outbox.yield(.with {
            $0.hello = .with {
                $0.name = self.combiner.configuration.name
                $0.address = self.advertisedAddress
                $0.version = "fedge/0.1"
            }
        })
        let runner = self.combiner.runner
        try await controller.attach(options: Self.callOptions) { writer in
            for await report in reports { try await writer.write(report) }
        } onResponse: { response in
            defer { outbox.finish() }
            let (plans, planQueue) = AsyncStream.makeStream(of: RoundPlan.self)
            defer { planQueue.finish() }
            try await withThrowingDiscardingTaskGroup { group in
                // Rounds run one at a time, in the order planned.
                group.addTask {
                    for await plan in plans { await self.execute(plan, controller: controller, outbox: outbox) }
                }
                for try await command in response.messages {
                    switch command.command {
                    case .welcome(let welcome):
                        self.logger.notice("Attached to the controller", metadata: ["fedge.controller": "\(self.controller)"])
                        self.events.record("controller.attached", "Attached to the controller at \(self.controller)")
                        self.status.attached.store(true, ordering: .relaxed)
                        onWelcome()
                        let interval = Duration.milliseconds(Int64(max(welcome.heartbeatMillis, 200)))
                        group.addTask { try await self.heartbeats(every: interval, outbox: outbox) }
                    case .plan(let proto):
                        do {
                            let plan = try RoundPlan(proto)
                            // A new plan supersedes whatever round is still open.
                            await runner.cancel(reason: "the controller planned round \(plan.session)/\(plan.round)")
                            self.events.record("round.planned", subject: "\(plan.session)/\(plan.round)",
                                               "The controller planned \(plan.kind) round \(plan.round) of \(plan.session) (quota \(plan.quota == 0 ? "all" : "\(plan.quota)"))")
                            planQueue.yield(plan)
                        } catch {
                            self.report(outbox, Self.outcome(session: proto.sessionID, round: Int(proto.round), succeeded: false, reason: "\(error)"))
                        }
                    case .cancel(let cancel):
                        self.events.record("round.cancelled", subject: "\(cancel.sessionID)/\(cancel.round)", "The controller cancelled the round: \(cancel.reason)")
                        await runner.cancel(session: cancel.sessionID, round: Int(cancel.round), reason: cancel.reason)
                    case nil:
                        break
                    }
                }
                // The controller went away: stop the round in flight and the heartbeats.
                planQueue.finish()
                group.cancelAll()
            }
        }
    }

    private func heartbeats(every interval: Duration, outbox: AsyncStream<Fedge_V1_CombinerReport>.Continuation) async throws {
        while !Task.isCancelled {
            let clients = await self.combiner.registry.snapshots()
            outbox.yield(.with {
                $0.heartbeat = .with {
                    $0.clients = clients.map { client in
                        .with {
                            $0.clientID = client.id
                            $0.name = client.name
                            $0.liveness = client.liveness.proto
                            $0.lastSeenUnixMillis = client.lastSeen.unixMillis
                            $0.tasksDone = UInt32(clamping: client.tasksDone)
                            $0.tasksFailed = UInt32(clamping: client.tasksFailed)
                            $0.telemetry = client.telemetry.proto
                        }
                    }
                }
            })
            try await Task.sleep(for: interval)
        }
    }

    /// Runs one plan and reports its outcome; never throws (a failure is an outcome).
    private func execute<Transport: ClientTransport>(
        _ plan: RoundPlan,
        controller: Fedge_V1_Controller.Client<Transport>,
        outbox: AsyncStream<Fedge_V1_CombinerReport>.Continuation
    ) async {
        let metadata: Logger.Metadata = ["fedge.session": "\(plan.session)", "fedge.round": "\(plan.round)", "fedge.kind": "\(plan.kind)"]
        do {
            try await self.fetchModel(plan.model, size: plan.modelSize, from: controller)
            let result = try await withThrowingTaskGroup(of: RoundResult?.self) { group in
                group.addTask { try await self.combiner.runner.execute(plan) }
                group.addTask {
                    // Progress once a second while the round is open.
                    while !Task.isCancelled {
                        try await Task.sleep(for: .seconds(1))
                        if let progress = await self.combiner.runner.progress(), progress.plan.session == plan.session, progress.plan.round == plan.round {
                            outbox.yield(Self.progress(progress))
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
            outbox.yield(.with {
                $0.progress = .with {
                    $0.sessionID = plan.session
                    $0.round = UInt32(clamping: plan.round)
                    $0.selected = UInt32(clamping: result.selected)
                    $0.received = UInt32(clamping: result.received)
                    $0.failed = UInt32(clamping: result.failed)
                    $0.refused = UInt32(clamping: result.refused.values.reduce(0, +))
                    $0.refusedByReason = Dictionary(uniqueKeysWithValues: result.refused.map { ($0.key.rawValue, UInt32(clamping: $0.value)) })
                }
            })
            if plan.kind == .validate {
                for (client, metrics) in result.validations.sorted(by: { $0.key < $1.key }) {
                    outbox.yield(.with {
                        $0.validation = .with {
                            $0.sessionID = plan.session
                            $0.round = UInt32(clamping: plan.round)
                            $0.client = client
                            $0.modelID = plan.model.hex
                            $0.report = .with {
                                $0.metrics = metrics.filter { $0.key != "num_examples" }
                                $0.numExamples = metrics["num_examples"] ?? 1
                            }
                        }
                    })
                }
                self.report(outbox, Self.outcome(session: plan.session, round: plan.round, succeeded: result.succeeded, reason: result.reason,
                                          updates: result.validations.count))
                return
            }
            for (client, report) in result.trainingMetrics.sorted(by: { $0.key < $1.key }) {
                outbox.yield(.with {
                    $0.trainingMetrics = .with {
                        $0.sessionID = plan.session
                        $0.round = UInt32(clamping: plan.round)
                        $0.client = client
                        $0.metrics = report.metrics
                        $0.numExamples = report.numExamples
                    }
                })
            }
            var finished = result
            guard finished.succeeded, let partial = finished.partial.take() else {
                self.report(outbox, Self.outcome(session: plan.session, round: plan.round, succeeded: false, reason: result.reason, updates: result.received))
                return
            }
            let partialID = try await self.upload(partial, plan: plan, to: controller)
            self.report(outbox, Self.outcome(session: plan.session, round: plan.round, succeeded: true, reason: result.reason,
                                      partial: partialID, updates: result.received))
            self.logger.info("Partial aggregate delivered", metadata: metadata.merging(["fedge.partial": "\(partialID.shortPrefix)"]) { $1 })
        } catch {
            self.logger.warning("Round failed at this combiner", metadata: metadata.merging(["fedge.error": "\(error)"]) { $1 })
            self.report(outbox, Self.outcome(session: plan.session, round: plan.round, succeeded: false, reason: "\(error)"))
        }
    }

    /// Downloads global model `id` from the controller into the model store, unless it is there already.
    private func fetchModel<Transport: ClientTransport>(_ id: ModelID, size: UInt64, from controller: Fedge_V1_Controller.Client<Transport>) async throws {
        let store = self.combiner.runner.models
        guard !store.contains(id) else { return }
        let spool = self.combiner.configuration.spoolDirectory.appendingPathComponent("models").path
        try FileManager.default.createDirectory(atPath: spool, withIntermediateDirectories: true)
        let received = try await controller.downloadModel(.with { $0.modelID = id.hex }, options: Self.callOptions) { response in
            try await ChunkedTransfer.receive(
                response.messages,
                spoolDirectory: spool,
                maxBytes: size > 0 ? size : UInt64.max,
                declaredSize: { (header: Fedge_V1_TransferHeader) in header.size },
                destination: { _, received in received == id ? store.path(for: id) : "\(spool)/mismatch-\(received.hex)" }
            )
        }
        guard received.id == id else {
            try? FileManager.default.removeItem(atPath: received.path)
            throw RefusalError(.hashMismatch, "the controller sent model \(received.id.shortPrefix) for \(id.shortPrefix)")
        }
    }

    /// Writes the partial aggregate to the spool and streams it to the controller.
    private func upload<Transport: ClientTransport>(_ partial: consuming PartialAggregate, plan: RoundPlan, to controller: Fedge_V1_Controller.Client<Transport>) async throws -> ModelID {
        let path = self.combiner.configuration.spoolDirectory.appendingPathComponent("partial-\(plan.session)-\(plan.round)-\(UUID().uuidString.prefix(8)).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try SafetensorsWriter.write(partial, to: path)
        _ = consume partial
        let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.uint64Value ?? 0
        let header = Fedge_V1_PartialHeader.with {
            $0.sessionID = plan.session
            $0.round = UInt32(clamping: plan.round)
            $0.combiner = self.combiner.configuration.name
            $0.size = size
        }
        let receipt = try await controller.uploadPartial(options: Self.callOptions) { writer in
            try await ChunkedTransfer.send(file: path, header: header, as: Fedge_V1_PartialChunk.self) { try await writer.write($0) }
        }
        guard let id = ModelID(hex: receipt.partialID) else {
            throw RefusalError(.malformed, "the controller's receipt names no partial id")
        }
        return id
    }

    /// Sends a round outcome up and notes it for the control socket.
    private func report(_ outbox: AsyncStream<Fedge_V1_CombinerReport>.Continuation, _ report: Fedge_V1_CombinerReport) {
        outbox.yield(report)
        guard case .outcome(let outcome) = report.event else { return }
        self.events.record(
            outcome.succeeded ? "round.closed" : "round.failed", subject: "\(outcome.sessionID)/\(outcome.round)",
            "Round \(outcome.round) of \(outcome.sessionID): \(outcome.reason)"
        )
    }

    private static func progress(_ progress: RoundRunner.Progress) -> Fedge_V1_CombinerReport {
        .with {
            $0.progress = .with {
                $0.sessionID = progress.plan.session
                $0.round = UInt32(clamping: progress.plan.round)
                $0.selected = UInt32(clamping: progress.selected)
                $0.received = UInt32(clamping: progress.received)
                $0.failed = UInt32(clamping: progress.failed)
                $0.refused = UInt32(clamping: progress.refused)
                $0.refusedByReason = Dictionary(uniqueKeysWithValues: progress.refusedByReason.map { ($0.key.rawValue, UInt32(clamping: $0.value)) })
            }
        }
    }

    private static func outcome(session: String, round: Int, succeeded: Bool, reason: String, partial: ModelID? = nil, updates: Int = 0) -> Fedge_V1_CombinerReport {
        .with {
            $0.outcome = .with {
                $0.sessionID = session
                $0.round = UInt32(clamping: round)
                $0.succeeded = succeeded
                $0.reason = reason
                $0.partialID = partial?.hex ?? ""
                $0.updates = UInt32(clamping: updates)
            }
        }
    }
}

/// Whether a link is attached, readable from anywhere.
package final class LinkStatus: Sendable {
    package let attached = Atomic<Bool>(false)

    package init() {}

    package var isAttached: Bool { self.attached.load(ordering: .relaxed) }
}
