import FedgeRPC
import FedgeServerKit
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
package import Logging
package import ServiceLifecycle

/// The controller's long-running parts as services for one `ServiceGroup`: the gRPC server for combiners, the
/// REST API on each listener, and the orchestrator's loop.
package enum ControllerDaemon {
    package static func make(
        controller: Controller,
        logger: Logger,
        onListening: @escaping @Sendable (String) async -> Void = { _ in }
    ) async throws -> [ServiceGroupConfiguration.ServiceConfiguration] {
        let configuration = controller.configuration
        try await controller.loadRevocations()
        let grpcConfig = TransportTuning.server(window: 1 << 20)
        let server = GRPCServer(
            transport: HTTP2ServerTransport.Posix(
                address: .ipv4(host: configuration.grpcListen.host, port: configuration.grpcListen.port),
                transportSecurity: try configuration.grpcSecurity.server(),
                config: grpcConfig
            ),
            services: [controller.service, controller.modelTransfer],
            interceptors: [
                AuthenticatingInterceptor(
                    verifier: { [verifier = configuration.keys.verifier] in verifier },
                    requireCertificate: !configuration.insecure,
                    refused: { error, method, address, claimed in
                        await controller.recordRefusal(error, action: method, address: address, claimed: claimed)
                    }
                )
            ]
        )
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: GRPCServerService(server: server)),
            .init(
                service: TaskService(name: "listening") {
                    if let address = try await server.listeningAddress {
                        ListenBacklog.raise(for: address)
                        controller.listeningPort.record(address: "\(address)")
                        logger.notice("Controller listening for combiners", metadata: ["fedge.address": "\(address)"])
                        await onListening("grpc:\(address)")
                    }
                },
                successTerminationBehavior: .ignore
            ),
            .init(service: TaskService(name: "orchestrator") { try await controller.orchestrator.run() }),
            .init(
                service: TaskService(name: "refusal-summaries") {
                    // Floods of refusals are stored as summaries once their window has passed.
                    while (try? await Task.sleep(for: controller.auditTrail.floodWindow)) != nil {
                        await controller.auditTrail.flushRefusals()
                    }
                    await controller.auditTrail.flushRefusals(all: true)
                },
                successTerminationBehavior: .ignore
            ),
        ]
        let api = ControllerAPI(controller: controller)
        for listener in configuration.httpListeners {
            let socket: Bool = if case .controlSocket = listener { true } else { false }
            let application = try listener.application(
                name: "fedge-controller",
                router: api.router(controlSocket: socket),
                logger: logger
            ) { address in
                logger.notice("REST API listening", metadata: ["fedge.address": "\(address)"])
                await onListening(address)
            }
            services.append(.init(service: application))
        }
        return services
    }
}
