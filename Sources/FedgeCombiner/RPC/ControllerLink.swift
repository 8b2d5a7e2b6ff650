import FedgeAggregation
package import FedgeCore
import FedgeProto
package import FedgeRPC
import FedgeTensor
import Foundation
package import GRPCCore
import GRPCNIOTransportHTTP2
package import Logging
import ServiceLifecycle
import SwiftProtobuf
package import Synchronization

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

    package init(
        combiner: Combiner,
        controller: FedgeRPC.Endpoint,
        security: TransportSecurity,
        advertisedAddress: String,
        logger: Logger
    ) {
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
                try HTTP2ClientTransport.Posix(
                    target: controller.target,
                    transportSecurity: security.client(),
                    config: TransportTuning.client()
                )
            }
        }
    }

    /// Holds the link until cancelled, dialling through transports from `makeTransport` (one per attempt).
    package func run<Transport: ClientTransport>(makeTransport: @Sendable () throws -> Transport) async throws {
        var backoff = self.backoff
        while !Task.isCancelled {
            let welcomed = Atomic<Bool>(false)
            do {
                try await withGRPCClient(
                    transport: try makeTransport(),
                    interceptors: self.combiner.configuration.token.map { [BearerTokenInterceptor(token: $0)] } ?? []
                ) { client in
                    try await self.session(
                        Fedge_V1_Controller.Client(wrapping: client),
                        models: Fedge_V1_ModelTransfer.Client(wrapping: client)
                    ) { welcomed.store(true, ordering: .relaxed) }
                    client.beginGracefulShutdown()
                }
                self.logger.warning(
                    "The controller closed the stream",
                    metadata: ["fedge.controller": "\(self.controller)"]
                )
            } catch  where Task.isCancelled {
                return
            } catch {
                self.logger.warning(
                    "Link to the controller failed",
                    metadata: ["fedge.controller": "\(self.controller)", "fedge.error": "\(error)"]
                )
            }
            if self.status.isAttached {
                self.events.record("controller.detached", "Lost the controller at \(self.controller); dialling again")
            }
            self.status.attached.store(false, ordering: .relaxed)
            if welcomed.load(ordering: .relaxed) { backoff.reset() }
            do { try await Task.sleep(for: backoff.next()) } catch { return }
        }
    }

    private func session<Transport: ClientTransport>(
        _ controller: Fedge_V1_Controller.Client<Transport>,
        models: Fedge_V1_ModelTransfer.Client<Transport>,
        onWelcome: @escaping @Sendable () -> Void
    ) async throws {
        let outbox = Outbox<Fedge_V1_CombinerReport>()
        outbox.send(.hello(name: self.combiner.configuration.name, address: self.advertisedAddress))
        try await controller.attach(options: Self.callOptions) { writer in
            for await report in outbox { try await writer.write(report) }
        } onResponse: { response in
            defer {
                self.combiner.refusals.disconnect()
                outbox.finish()
            }
            let (plans, planQueue) = AsyncStream.makeStream(of: RoundPlan.self)
            defer { planQueue.finish() }
            try await withThrowingDiscardingTaskGroup { group in
                // Rounds run one at a time, in the order planned.
                group.addTask {
                    for await plan in plans {
                        await self.execute(plan, controller: controller, models: models, outbox: outbox)
                    }
                }
                for try await command in response.messages {
                    switch command.command {
                    case .welcome(let welcome):
                        // The controller's key checks clients' tokens from now on.
                        try await self.combiner.verifier.update(
                            publicKeyPEM: welcome.tokenPublicKey,
                            revoked: Set(welcome.revocations.tokenIds)
                        )
                        self.welcomed()
                        onWelcome()
                        // The calls this combiner refuses go to the controller's audit trail.
                        self.combiner.refusals.connect { refusal in outbox.send(.with { $0.refusal = refusal }) }
                        let interval = Duration.milliseconds(Int64(max(welcome.heartbeatMillis, 200)))
                        group.addTask { try await self.heartbeats(every: interval, outbox: outbox) }
                    case .plan(let proto):
                        await self.received(proto, queue: planQueue, outbox: outbox)
                    case .revocations(let revocations):
                        self.combiner.verifier.setRevoked(Set(revocations.tokenIds))
                        self.logger.notice(
                            "Revocation list updated",
                            metadata: ["fedge.revoked": "\(revocations.tokenIds.count)"]
                        )
                    case .cancel(let cancel):
                        self.events.record(
                            "round.cancelled",
                            subject: "\(cancel.sessionID)/\(cancel.round)",
                            "The controller cancelled the round: \(cancel.reason)"
                        )
                        await self.combiner.runner.cancel(
                            session: SessionID(cancel.sessionID),
                            round: Int(cancel.round),
                            reason: cancel.reason
                        )
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

    private func welcomed() {
        self.logger.notice("Attached to the controller", metadata: ["fedge.controller": "\(self.controller)"])
        self.events.record("controller.attached", "Attached to the controller at \(self.controller)")
        self.status.attached.store(true, ordering: .relaxed)
    }

    /// Queues a plan the controller sent; it supersedes whatever round is still open.
    private func received(
        _ proto: Fedge_V1_RoundPlan,
        queue: AsyncStream<RoundPlan>.Continuation,
        outbox: Outbox<Fedge_V1_CombinerReport>
    ) async {
        do {
            let plan = try RoundPlan(proto)
            await self.combiner.runner.cancel(reason: "the controller planned round \(plan.session)/\(plan.round)")
            self.events.record(
                "round.planned",
                subject: "\(plan.session)/\(plan.round)",
                "The controller planned \(plan.kind) round \(plan.round) of \(plan.session) (quota \(plan.quota == 0 ? "all" : "\(plan.quota)"))"
            )
            queue.yield(plan)
        } catch {
            self.report(
                .outcome(session: proto.sessionID, round: Int(proto.round), succeeded: false, reason: "\(error)"),
                to: outbox
            )
        }
    }

    /// A heartbeat with the combiner's clients every `interval`; only the newest waits in the outbox.
    private func heartbeats(every interval: Duration, outbox: Outbox<Fedge_V1_CombinerReport>) async throws {
        while !Task.isCancelled {
            outbox.coalesce(.heartbeat(await self.combiner.registry.snapshots()), key: "heartbeat")
            try await Task.sleep(for: interval)
        }
    }

    /// Queues a report that carries state (an outcome, a validation, training metrics, final counts). A report
    /// that can no longer be delivered — the stream to the controller is gone — is logged as an error: the
    /// controller fails the round of a combiner that went away, and the error says which report was lost.
    func report(_ report: Fedge_V1_CombinerReport, to outbox: Outbox<Fedge_V1_CombinerReport>) {
        if !outbox.send(report) {
            self.logger.error(
                "Report to the controller lost: the stream closed",
                metadata: ["fedge.report": "\(report.summary)"]
            )
        }
        guard case .outcome(let outcome) = report.event else { return }
        self.events.record(
            outcome.succeeded ? "round.closed" : "round.failed",
            subject: "\(outcome.sessionID)/\(outcome.round)",
            "Round \(outcome.round) of \(outcome.sessionID): \(outcome.reason)"
        )
    }
}

/// Whether a link is attached, readable from anywhere.
package final class LinkStatus: Sendable {
    package let attached = Atomic<Bool>(false)

    package init() {}

    package var isAttached: Bool { self.attached.load(ordering: .relaxed) }
}
