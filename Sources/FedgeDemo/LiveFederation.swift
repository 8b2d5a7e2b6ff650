import FedgeCore
package import FedgeEdge
package import FedgeSecurity
import FedgeServerKit
import Foundation
package import Logging
import NIOConcurrencyHelpers
package import ServiceLifecycle

/// Runs combiners and edge clients in this process against a controller's gRPC port until `body` returns.
package enum LiveFederation {
    /// Combiners named `combiners` and clients client-1 … with `trainers`, all dialling the controller; clients
    /// are assigned by it, and start once `combinersReady` says so. The nodes run in one `ServiceGroup`, shut down
    /// gracefully when `body` returns: clients first, then combiners. `route` maps a combiner's port to the one its
    /// clients dial (a fault test's proxy).
    package static func with<R: Sendable>(
        directory: String,
        controllerPort: Int,
        combiners: [String],
        trainers: [any Trainer],
        enroll: @escaping @Sendable (Role, String) async throws -> Kit,
        tls: Bool = true,
        route: @escaping @Sendable (_ combiner: String, _ port: Int) async throws -> Int = { $1 },
        logger: Logger,
        combinersReady: @escaping @Sendable () async -> Bool = { true },
        _ body: @Sendable () async throws -> R
    ) async throws -> R {
        let (started, starting) = AsyncStream.makeStream(of: Void.self)
        let box = GroupBox()
        let launch = TaskService(name: "launch") {
            defer { starting.finish() }
            let launcher = FederationLauncher(
                group: box.group,
                directory: directory,
                controllerPort: controllerPort,
                enroll: enroll,
                tls: tls,
                route: route,
                logger: logger
            )
            for name in combiners { try await launcher.addCombiner(name) }
            // Clients ask the controller for a combiner: once every combiner is attached, they spread over all.
            while !(await combinersReady()) { try await Task.sleep(for: .milliseconds(20)) }
            for (index, trainer) in trainers.enumerated() {
                try await launcher.addClient("client-\(index + 1)", trainer: trainer)
            }
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: launch, successTerminationBehavior: .ignore)],
                logger: logger
            )
        )
        box.set(group)
        return try await withThrowingTaskGroup(of: R?.self) { tasks in
            tasks.addTask {
                try await group.run()
                return nil
            }
            for await _ in started {}
            let result: R
            do {
                result = try await body()
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

/// The group a launching service adds nodes to, set once the group exists (the service is made before it).
package final class GroupBox: Sendable {
    private let value = NIOLockedValueBox<ServiceGroup?>(nil)

    package init() {}

    package func set(_ group: ServiceGroup) { self.value.withLockedValue { $0 = group } }

    package var group: ServiceGroup { self.value.withLockedValue { $0! } }
}
