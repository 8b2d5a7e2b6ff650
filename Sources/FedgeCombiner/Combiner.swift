package import FedgeCore
package import FedgeRPC
package import FedgeSecurity
package import GRPCCore
package import GRPCNIOTransportHTTP2
package import Logging
import NIOConcurrencyHelpers

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
    /// Checks clients' tokens: empty until the controller hands down its public key on attach.
    package let verifier: VerifierSlot
    /// The calls refused, on their way to the controller's audit trail.
    package let refusals: RefusalFeed
    private let logger: Logger

    /// The clock deadlines and liveness are judged by.
    package let clock: any WallClock

    package init(configuration: CombinerConfiguration, clock: any WallClock = SystemWallClock(), logger: Logger) throws
    {
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.verifier = VerifierSlot()
        self.refusals = RefusalFeed(logger: logger)
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
            refusals: self.refusals,
            logger: logger
        )
    }

    /// The models this combiner serves its clients, at most `maxConcurrentDownloads` at once.
    package var modelTransfer: ModelTransferService {
        let downloads = self.service.downloads
        let runner = self.runner
        return ModelTransferService(
            source: self.runner.models,
            origin: "combiner \(self.configuration.name)",
            // A client gets the model of the round it has a task in; nothing else.
            permits: { caller, id in caller.role == .client ? await runner.mayDownload(id, client: caller.name) : false
            },
            admission: { body in try await downloads.withPermit(body) },
            logger: self.logger
        )
    }

    /// The HTTP/2 listener for the configured address and security.
    package func makeTransport() throws -> HTTP2ServerTransport.Posix {
        let config = TransportTuning.server(window: self.configuration.flowControlWindow)
        return HTTP2ServerTransport.Posix(
            address: .ipv4(host: self.configuration.listen.host, port: self.configuration.listen.port),
            transportSecurity: try self.configuration.security.server(),
            config: config
        )
    }

    /// The gRPC server for clients on `transport`: every call carries a client's token, checked with the
    /// controller's key. Run it in a `ServiceGroup` through `GRPCServerService`, or with `serve(transport:)`.
    package func server<Transport: ServerTransport>(transport: Transport) -> GRPCServer<Transport> {
        let verifier = self.verifier
        let refusals = self.refusals
        return GRPCServer(
            transport: transport,
            services: [self.service, self.modelTransfer],
            interceptors: [
                AuthenticatingInterceptor(
                    verifier: { verifier.current },
                    requireCertificate: false,
                    refused: { error, method, address, claimed in
                        refusals.report(
                            actor: claimed,
                            address: address,
                            action: method,
                            reason: error.reason.rawValue,
                            message: error.description
                        )
                    }
                )
            ]
        )
    }

    /// Serves clients on `transport` until the calling task is cancelled, then stops taking calls and lets the
    /// ones in flight finish.
    package func serve<Transport: ServerTransport>(
        transport: Transport,
        onListening: @Sendable (String) -> Void = { _ in }
    ) async throws {
        let server = self.server(transport: transport)
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
    /// Raises the listening socket's backlog first (see `ListenBacklog`): its clients may all connect at once.
    package func announce(_ address: GRPCNIOTransportCore.SocketAddress) {
        ListenBacklog.raise(for: address)
        self.logger.notice(
            "Combiner listening",
            metadata: ["fedge.address": "\(address)", "fedge.combiner": "\(self.configuration.name)"]
        )
    }
}

/// The token verifier a combiner gets from its controller on attach (and its revocation list after).
package final class VerifierSlot: Sendable {
    private let verifier = NIOLockedValueBox<TokenVerifier?>(nil)

    package init() {}

    package var current: TokenVerifier? { self.verifier.withLockedValue { $0 } }

    /// Installs the controller's key (when it changed) and the revocation list.
    package func update(publicKeyPEM: String, revoked: Set<String>) async throws {
        if let current = self.current, current.publicKeyPEM == publicKeyPEM {
            current.setRevoked(revoked)
            return
        }
        let verifier = try await TokenVerifier(publicKeyPEM: publicKeyPEM, revoked: revoked)
        self.verifier.withLockedValue { $0 = verifier }
    }

    package func setRevoked(_ revoked: Set<String>) { self.current?.setRevoked(revoked) }
}
