package import FedgeController
import FedgeCore
import FedgeRPC
package import FedgeSecurity
package import FedgeServerKit
import Foundation
package import Logging
import ServiceLifecycle

/// A real controller in this process: SQLite in a given directory, gRPC and the REST API on loopback ports chosen
/// by the system, and the control socket.
package struct LiveController: Sendable {
    package let controller: Controller
    /// Where combiners and clients dial.
    package let grpcPort: Int
    /// The REST API on TCP (it needs `token`).
    package let httpURL: String
    /// The control socket.
    package let socket: String
    /// An admin token for the REST API on TCP, made for each controller.
    package let token: String

    /// The configuration of a controller kept under `directory`, with all security on (its PKI made on the fly
    /// under `controller/pki`), short heartbeats and polls for quick rounds.
    package static func configuration(
        directory: String,
        grpcPort: Int = 0,
        uploadGrace: Duration = .seconds(5),
        tls: TLSFiles? = nil
    ) async throws -> ControllerConfiguration {
        let keys = try await SecurityKeys.ensure(in: URL(fileURLWithPath: directory + "/controller/pki"))
        var configuration = ControllerConfiguration(
            directory: URL(fileURLWithPath: directory + "/controller"),
            grpcListen: Endpoint(host: "127.0.0.1", port: grpcPort),
            grpcSecurity: .tls(
                .init(
                    certificate: keys.pki.certificate,
                    privateKey: keys.pki.privateKey,
                    trustRoots: keys.pki.caCertificate,
                    requireClientCertificates: true
                )
            ),
            httpListeners: [
                .tcp(host: "127.0.0.1", port: 0, tls: tls), .controlSocket(path: directory + "/run/controller.sock"),
            ],
            keys: keys
        )
        configuration.heartbeatInterval = .milliseconds(300)
        configuration.orchestration.uploadGrace = uploadGrace
        configuration.orchestration.idlePoll = .milliseconds(100)
        return configuration
    }

    /// Starts the controller with its state under `directory`, runs `body`, then shuts it down gracefully.
    package static func with<R: Sendable>(
        directory: String,
        grpcPort: Int = 0,
        uploadGrace: Duration = .seconds(5),
        tls: TLSFiles? = nil,
        logger: Logger,
        _ body: @Sendable (LiveController) async throws -> R
    ) async throws -> R {
        let configuration = try await Self.configuration(
            directory: directory,
            grpcPort: grpcPort,
            uploadGrace: uploadGrace,
            tls: tls
        )
        let controller = try Controller(configuration: configuration, logger: logger)
        let token = try await controller.createToken(
            name: "test-admin",
            role: .admin,
            ttl: .seconds(86_400),
            by: Identity(name: "live-controller", role: .admin)
        ).token
        let (addresses, announce) = AsyncStream.makeStream(of: String.self)
        let services = try await ControllerDaemon.make(controller: controller, logger: logger) { announce.yield($0) }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: services, logger: logger))
        return try await withThrowingTaskGroup(of: R?.self) { tasks in
            tasks.addTask {
                try await group.run()
                return nil
            }
            let listening = await ListeningAddresses.collect(from: addresses)
            let live = LiveController(
                controller: controller,
                grpcPort: listening.grpcPort,
                httpURL: listening.http ?? "",
                socket: directory + "/run/controller.sock",
                token: token
            )
            let result: R
            do {
                result = try await body(live)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            _ = try await tasks.next()
            return result
        }!
    }
}

/// The addresses a controller announces as its listeners come up: `grpc:HOST:PORT`, `http(s)://…` and `unix:PATH`.
package struct ListeningAddresses: Sendable {
    package var grpcPort = 0
    package var http: String? = nil

    /// Reads announcements until the gRPC port, the TCP API (if any) and the control socket are all up.
    package static func collect(
        from addresses: AsyncStream<String>
    ) async -> ListeningAddresses {
        var result = ListeningAddresses()
        var unix = false
        for await address in addresses {
            if address.hasPrefix("grpc:") { result.grpcPort = Int(address.split(separator: ":").last ?? "") ?? 0 }
            if address.hasPrefix("http://") || address.hasPrefix("https://") { result.http = address }
            if address.hasPrefix("unix:") { unix = true }
            if result.grpcPort != 0 && result.http != nil && unix { break }
        }
        return result
    }
}

extension LiveController {
    /// Enrolls a node, as an admin would with `fedge combiner enroll` / `fedge client enroll`.
    package func enroll(_ role: Role, _ name: String) async throws -> Kit {
        try await Self.enroll(self.controller, role, name)
    }

    package static func enroll(_ controller: Controller, _ role: Role, _ name: String) async throws -> Kit {
        try await controller.enroll(
            role: role,
            name: name,
            hosts: [],
            ttl: .seconds(86_400),
            controllerAddress: nil,
            by: Identity(name: "live-controller", role: .admin)
        ).kit
    }
}
