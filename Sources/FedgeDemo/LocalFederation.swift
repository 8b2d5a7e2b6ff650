package import FedgeController
import FedgeCombiner
import FedgeCore
package import FedgeEdge
package import FedgeServerKit
import FedgeRPC
import Foundation
package import Logging
import ServiceLifecycle

/// A real controller in this process: SQLite in a temporary directory, gRPC and the REST API on loopback ports
/// chosen by the system, and the control socket.
package struct LiveController: Sendable {
    package let controller: Controller
    /// Where combiners and clients dial.
    package let grpcPort: Int
    /// The REST API on TCP (it needs `token`).
    package let httpURL: String
    /// The control socket.
    package let socket: String
    package let token: String

    /// Starts the controller with its state under `directory`, runs `body`, then shuts it down gracefully.
    package static func with<R: Sendable>(
        directory: String,
        grpcPort: Int = 0,
        uploadGrace: Duration = .seconds(5),
        tls: TLSFiles? = nil,
        logger: Logger,
        _ body: @Sendable (LiveController) async throws -> R
    ) async throws -> R {
        let socket = directory + "/run/controller.sock"
        let token = "test-token-0123456789"
        var configuration = ControllerConfiguration(
            directory: URL(fileURLWithPath: directory + "/controller"),
            grpcListen: Endpoint(host: "127.0.0.1", port: grpcPort), grpcSecurity: .insecure,
            httpListeners: [.tcp(host: "127.0.0.1", port: 0, tls: tls), .controlSocket(path: socket)], apiToken: token
        )
        configuration.heartbeatInterval = .milliseconds(300)
        configuration.orchestration.uploadGrace = uploadGrace
        configuration.orchestration.idlePoll = .milliseconds(100)
        let controller = try Controller(configuration: configuration, logger: logger)
        let (addresses, announce) = AsyncStream.makeStream(of: String.self)
        let services = try ControllerServices.make(controller: controller, logger: logger) { announce.yield($0) }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: services, logger: logger))
        return try await withThrowingTaskGroup(of: R?.self) { tasks in
            tasks.addTask {
                try await group.run()
                return nil
            }
            var grpc: Int? = nil
            var http: String? = nil
            var unix = false
            for await address in addresses {
                if address.hasPrefix("grpc:") { grpc = Int(address.split(separator: ":").last ?? "") }
                if address.hasPrefix("http://") || address.hasPrefix("https://") { http = address }
                if address.hasPrefix("unix:") { unix = true }
                if grpc != nil && http != nil && unix { break }
            }
            let live = LiveController(controller: controller, grpcPort: grpc!, httpURL: http!, socket: socket, token: token)
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

/// Runs combiners and edge clients in this process against a controller's gRPC port until `body` returns.
package enum LiveFederation {
    /// Combiners named `combiners` and clients client-1 … with `trainers`, all dialling the controller; clients
    /// are assigned by it, and start once `combinersReady` says so.
    package static func with<R: Sendable>(
        directory: String,
        controllerPort: Int,
        combiners: [String],
        trainers: [any Trainer],
        logger: Logger,
        combinersReady: @Sendable () async -> Bool = { true },
        _ body: @Sendable () async throws -> R
    ) async throws -> R {
        try await withThrowingTaskGroup(of: Void.self, returning: R.self) { group in
            for name in combiners {
                group.addTask {
                    try await runCombiner(name: name, directory: directory, controllerPort: controllerPort, logger: logger)
                }
            }
            // Clients ask the controller for a combiner: once every combiner is attached, they spread over all.
            while !(await combinersReady()) { try await Task.sleep(for: .milliseconds(20)) }
            // Clients are stopped (and awaited) before the combiners, so none is still dialling a server that shuts
            // down.
            let result = try await withThrowingTaskGroup(of: Void.self, returning: R.self) { clients in
                for (index, trainer) in trainers.enumerated() {
                    clients.addTask {
                        try await client(name: "client-\(index + 1)", trainer: trainer, directory: directory, controllerPort: controllerPort, logger: logger).run()
                    }
                }
                let result = try await body()
                // Leaving the group waits for every cancelled client.
                clients.cancelAll()
                return result
            }
            group.cancelAll()
            return result
        }
    }

    /// One combiner: serves clients on a loopback port, attaches to the controller, and answers on its control
    /// socket `directory/run/combiner-NAME.sock`.
    package static func runCombiner(name: String, directory: String, controllerPort: Int, logger: Logger) async throws {
        let configuration = CombinerConfiguration.defaults(
            name: name, listen: Endpoint(host: "127.0.0.1", port: 0), security: .insecure,
            home: URL(fileURLWithPath: directory + "/combiner-\(name)")
        ) {
            $0.liveness = LivenessPolicy(activeWindow: .seconds(5), offlineWindow: .seconds(20))
        }
        let combiner = try Combiner(configuration: configuration, logger: logger)
        let (ports, announce) = AsyncStream.makeStream(of: Int.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await combiner.serve(transport: try combiner.makeTransport()) { address in
                    announce.yield(Int(address.split(separator: ":").last ?? "") ?? 0)
                }
            }
            var iterator = ports.makeAsyncIterator()
            let port = await iterator.next() ?? 0
            var link = ControllerLink(
                combiner: combiner, controller: Endpoint(host: "127.0.0.1", port: controllerPort), security: .insecure,
                advertisedAddress: "127.0.0.1:\(port)", logger: logger
            )
            link.backoff = Backoff(initial: .milliseconds(100), maximum: .milliseconds(500))
            group.addTask { try await link.run() }
            // Its control socket, as the daemon serves it.
            let api = try HTTPListener.controlSocket(path: directory + "/run/combiner-\(name).sock").application(
                name: "fedge-combiner",
                router: CombinerAPI(combiner: combiner, link: link.status, controller: "127.0.0.1:\(controllerPort)", events: link.events).router(),
                logger: logger
            )
            group.addTask { try await api.run() }
            try await group.next()
        }
    }

    package static func client(name: String, trainer: any Trainer, directory: String, controllerPort: Int, logger: Logger) -> EdgeClient {
        EdgeClient(
            configuration: .defaults(
                name: name, combiner: Endpoint(host: "127.0.0.1", port: controllerPort), security: .insecure,
                workDirectory: URL(fileURLWithPath: directory + "/edge/\(name)")
            ) {
                $0.controller = Endpoint(host: "127.0.0.1", port: controllerPort)
                $0.heartbeatInterval = .milliseconds(300)
                $0.backoff = Backoff(initial: .milliseconds(100), maximum: .milliseconds(500))
            },
            trainer: trainer,
            logger: logger
        )
    }
}

