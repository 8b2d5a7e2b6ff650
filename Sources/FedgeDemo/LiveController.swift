package import FedgeController
import FedgeCore
import FedgeRPC
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
    /// The bearer token of the REST API on TCP: random for each controller.
    package let token: String

    /// The configuration of a controller kept under `directory`, with short heartbeats and polls for quick rounds.
    package static func configuration(
        directory: String,
        grpcPort: Int = 0,
        uploadGrace: Duration = .seconds(5),
        tls: TLSFiles? = nil,
        token: String
    ) -> ControllerConfiguration {
        var configuration = ControllerConfiguration(
            directory: URL(fileURLWithPath: directory + "/controller"),
            grpcListen: Endpoint(host: "127.0.0.1", port: grpcPort),
            grpcSecurity: .insecure,
            httpListeners: [
                .tcp(host: "127.0.0.1", port: 0, tls: tls), .controlSocket(path: directory + "/run/controller.sock"),
            ],
            apiToken: token
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
        let token = APIToken.generate()
        let configuration = Self.configuration(
            directory: directory,
            grpcPort: grpcPort,
            uploadGrace: uploadGrace,
            tls: tls,
            token: token
        )
        let controller = try Controller(configuration: configuration, logger: logger)
        let (addresses, announce) = AsyncStream.makeStream(of: String.self)
        let services = try ControllerDaemon.make(controller: controller, logger: logger) { announce.yield($0) }
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
