import FedgeCore
import FedgeProto
import FedgeRPC
import Foundation
package import GRPCCore
import GRPCNIOTransportHTTP2
package import Logging
import ServiceLifecycle
import SwiftProtobuf
import Synchronization

/// The edge runtime: dials out to a combiner, announces itself, heartbeats, and runs one task at a time; after
/// any failure it reconnects with exponential backoff and jitter.
///
/// ```swift
/// let client = EdgeClient(configuration: configuration, trainer: NoopTrainer(), logger: logger)
/// try await client.run()   // until cancelled
/// ```
package struct EdgeClient: Service {
    package let configuration: EdgeConfiguration
    package let trainer: any Trainer
    package let logger: Logger

    package init(configuration: EdgeConfiguration, trainer: any Trainer, logger: Logger) {
        self.configuration = configuration
        self.trainer = trainer
        self.logger = logger
    }

    /// Runs until the calling task is cancelled, dialling the configured combiner over HTTP/2 — or, with a
    /// controller configured, the combiner the controller assigns, asked again before every connection (so a
    /// client whose combiner went away moves to another).
    /// In a `ServiceGroup`, it also ends when the group shuts down (the task in flight is cancelled and reported).
    package func run() async throws {
        self.removeLeftoverTasks()
        try await cancelWhenGracefulShutdown { try await self.dial() }
    }

    /// A task folder at start is what a previous run of this client left when it died (`kill -9`, a crash, power
    /// lost) mid-task: a half-downloaded model, a training output nobody will upload. This client runs its tasks
    /// itself, one at a time, so none of them is live; they go, or each crash would keep up to a model's size.
    func removeLeftoverTasks() {
        let tasks = self.configuration.workDirectory.appendingPathComponent("tasks")
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: tasks.path)) ?? []
        guard !leftovers.isEmpty else { return }
        for name in leftovers { try? FileManager.default.removeItem(at: tasks.appendingPathComponent(name)) }
        self.logger.notice(
            "Removed what unfinished tasks of an earlier run left",
            metadata: ["fedge.tasks": "\(leftovers.count)", "fedge.directory": "\(tasks.path)"]
        )
    }

    private func dial() async throws {
        let configuration = self.configuration
        if let controller = configuration.controller {
            let interceptors: [any ClientInterceptor] =
                configuration.token.map { [BearerTokenInterceptor(token: $0)] } ?? []
            try await self.reconnecting { onWelcome in
                let combiner = try await self.assignment(from: controller, interceptors: interceptors)
                try await withGRPCClient(
                    transport: try HTTP2ClientTransport.Posix(
                        target: combiner.target,
                        transportSecurity: configuration.security.client(),
                        config: TransportTuning.client()
                    ),
                    interceptors: interceptors
                ) { client in
                    try await self.session(over: client, onWelcome: onWelcome)
                    client.beginGracefulShutdown()
                }
            }
            return
        }
        try await self.run {
            try HTTP2ClientTransport.Posix(
                target: configuration.combiner.target,
                transportSecurity: configuration.security.client(),
                config: TransportTuning.client()
            )
        }
    }

    /// Runs until the calling task is cancelled, dialling through transports made by `makeTransport` (a fresh one
    /// per connection attempt).
    package func run<Transport: ClientTransport>(makeTransport: @Sendable () throws -> Transport) async throws {
        let interceptors: [any ClientInterceptor] =
            self.configuration.token.map { [BearerTokenInterceptor(token: $0)] } ?? []
        try await self.reconnecting { onWelcome in
            try await withGRPCClient(transport: try makeTransport(), interceptors: interceptors) { client in
                try await self.session(over: client, onWelcome: onWelcome)
                client.beginGracefulShutdown()
            }
        }
    }

    /// Runs until the calling task is cancelled over an existing client, opening a new control stream after each
    /// failure. Many edge clients can share one channel this way (in-process tests, load generators): build the
    /// shared client with `BearerTokenInterceptor.perTask`, and each client's calls carry its own token.
    package func run<Transport: ClientTransport>(sharing client: GRPCClient<Transport>) async throws {
        try await BearerTokenInterceptor.$taskToken.withValue(self.configuration.token) {
            try await self.reconnecting { onWelcome in
                try await self.session(over: client, onWelcome: onWelcome)
            }
        }
    }

    private func session<Transport: ClientTransport>(
        over client: GRPCClient<Transport>,
        onWelcome: @escaping @Sendable () -> Void
    ) async throws {
        let session = EdgeSession(
            configuration: self.configuration,
            trainer: self.trainer,
            combiner: Fedge_V1_Combiner.Client(wrapping: client),
            models: Fedge_V1_ModelTransfer.Client(wrapping: client),
            logger: self.logger
        )
        try await session.run(onWelcome: onWelcome)
    }

    /// Asks the controller which combiner to connect to.
    private func assignment(
        from controller: FedgeRPC.Endpoint,
        interceptors: [any ClientInterceptor]
    ) async throws -> FedgeRPC.Endpoint {
        let configuration = self.configuration
        let response = try await withGRPCClient(
            transport: try HTTP2ClientTransport.Posix(
                target: controller.target,
                transportSecurity: configuration.security.client(),
                config: TransportTuning.client()
            ),
            interceptors: interceptors
        ) { client in
            try await Fedge_V1_Controller.Client(wrapping: client).assignCombiner(
                .with {
                    $0.clientName = configuration.name
                    $0.preferredCombiner = configuration.preferredCombiner ?? ""
                },
                options: EdgeSession<HTTP2ClientTransport.Posix>.callOptions
            )
        }
        guard let endpoint = FedgeRPC.Endpoint(response.address) else {
            throw RefusalError(
                .malformed,
                "the controller assigned combiner \(response.combiner) at '\(response.address)', which is not HOST:PORT"
            )
        }
        self.logger.info(
            "Controller assigned a combiner",
            metadata: ["fedge.combiner": "\(response.combiner)", "fedge.address": "\(response.address)"]
        )
        return endpoint
    }

    /// Runs the trainer's startup, then `connect` again and again with backoff until cancelled.
    private func reconnecting(_ connect: (@escaping @Sendable () -> Void) async throws -> Void) async throws {
        try await self.trainer.startup { stream, line in
            self.logger.info("startup: \(line)", metadata: ["fedge.stream": "\(stream)"])
        }
        var backoff = self.configuration.backoff
        while !Task.isCancelled {
            let welcomed = Atomic<Bool>(false)
            do {
                try await connect { welcomed.store(true, ordering: .relaxed) }
                self.logger.notice(
                    "Combiner closed the connection",
                    metadata: ["fedge.combiner": "\(self.configuration.combiner)"]
                )
            } catch  where Task.isCancelled {
                return
            } catch {
                self.logger.warning(
                    "Connection to the combiner failed",
                    metadata: ["fedge.combiner": "\(self.configuration.combiner)", "fedge.error": "\(error)"]
                )
            }
            if welcomed.load(ordering: .relaxed) { backoff.reset() }
            let wait = backoff.next()
            self.logger.info("Reconnecting", metadata: ["fedge.in": "\(wait)"])
            do {
                try await Task.sleep(for: wait)
            } catch {
                return
            }
        }
    }
}
