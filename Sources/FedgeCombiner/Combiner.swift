package import FedgeCore
package import FedgeRPC
package import GRPCCore
package import GRPCNIOTransportHTTP2
package import Logging

/// A combiner: its client registry, its round runner and its gRPC service, ready to serve.
///
/// ```swift
/// let combiner = try Combiner(configuration: configuration, logger: logger)
/// try await combiner.serve(transport: try combiner.makeTransport())   // until cancelled
/// // or, in a daemon: GRPCServerService(server: combiner.server(transport: try combiner.makeTransport()))
/// ```
package struct Combiner: Sendable {
    package let configuration: CombinerConfiguration
    package let registry: ClientRegistry
    package let runner: RoundRunner
    package let service: CombinerService
    private let logger: Logger

    /// The clock deadlines and liveness are judged by.
    package let clock: any WallClock

    package init(configuration: CombinerConfiguration, clock: any WallClock = SystemWallClock(), logger: Logger) throws
    {
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.registry = ClientRegistry(policy: configuration.liveness, clock: clock, logger: logger)
        self.runner = RoundRunner(
            configuration: configuration,
            registry: self.registry,
            clock: clock,
            models: try ModelStore(directory: configuration.modelsDirectory),
            logger: logger
        )
        self.service = CombinerService(
            configuration: configuration,
            registry: self.registry,
            runner: self.runner,
            downloads: TransferLimiter(limit: configuration.maxConcurrentDownloads),
            uploads: TransferLimiter(limit: configuration.maxConcurrentUploads),
            logger: logger
        )
    }

    /// The models this combiner serves its clients, at most `maxConcurrentDownloads` at once.
    package var modelTransfer: ModelTransferService {
        let downloads = self.service.downloads
        return ModelTransferService(
            source: self.runner.models,
            origin: "combiner \(self.configuration.name)",
            admission: { body in try await downloads.withPermit(body) },
            logger: self.logger
        )
    }

    /// The HTTP/2 listener for the configured address and security.
    package func makeTransport() throws -> HTTP2ServerTransport.Posix {
        var config = HTTP2ServerTransport.Posix.Config.defaults
        config.http2.targetWindowSize = self.configuration.flowControlWindow
        return HTTP2ServerTransport.Posix(
            address: .ipv4(host: self.configuration.listen.host, port: self.configuration.listen.port),
            transportSecurity: try self.configuration.security.server(),
            config: config
        )
    }

    /// The gRPC server for clients on `transport`. Run it in a `ServiceGroup` through `GRPCServerService`, or
    /// with `serve(transport:authorizer:onListening:)`.
    package func server<Transport: ServerTransport>(
        transport: Transport,
        authorizer: any CallAuthorizer = AllowAll()
    ) -> GRPCServer<Transport> {
        GRPCServer(
            transport: transport,
            services: [self.service, self.modelTransfer],
            interceptors: [AuthorizingInterceptor(authorizer: authorizer)]
        )
    }

    /// Serves clients on `transport` until the calling task is cancelled, then stops taking calls and lets the
    /// ones in flight finish.
    package func serve<Transport: ServerTransport>(
        transport: Transport,
        authorizer: any CallAuthorizer = AllowAll(),
        onListening: @Sendable (String) -> Void = { _ in }
    ) async throws {
        let server = self.server(transport: transport, authorizer: authorizer)
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask {
                try await withTaskCancellationHandler {
                    try await server.serve()
                } onCancel: {
                    server.beginGracefulShutdown()
                }
            }
            if let address = try await server.listeningAddress {
                self.announce(address)
                onListening("\(address)")
            }
        }
    }

    /// Logs where the combiner listens.
    package func announce(_ address: some CustomStringConvertible) {
        self.logger.notice(
            "Combiner listening",
            metadata: ["fedge.address": "\(address)", "fedge.combiner": "\(self.configuration.name)"]
        )
    }
}
