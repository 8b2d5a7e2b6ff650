import FedgeController
import FedgeCore
package import FedgeEdge
import FedgeServerKit
import Foundation
package import Logging
import ServiceLifecycle
import UnixSignals

/// A whole federation in one process — a controller, combiners, clients — as one `ServiceGroup`, for `fedge demo`:
/// the operator's tool sees only the control socket.
///
/// The group starts the controller, then each combiner once the controller listens, then the clients once every
/// combiner is attached, then `driver`. It shuts down in the reverse order when `driver` returns, or on SIGTERM or
/// SIGINT: the driver, the clients (their tasks cancelled), the combiners, the controller.
package enum DemoFederation {
    package static func run(
        directory: String,
        combiners: [String],
        trainers: [any Trainer],
        logger: Logger,
        driver: @escaping @Sendable (_ socket: String) async throws -> Void
    ) async throws {
        let configuration = try await LiveController.configuration(directory: directory)
        let controller = try Controller(configuration: configuration, logger: logger)
        let (addresses, announce) = AsyncStream.makeStream(of: String.self)
        let box = GroupBox()
        let launch = TaskService(name: "launch") {
            let listening = await ListeningAddresses.collect(from: addresses)
            let launcher = FederationLauncher(
                group: box.group,
                directory: directory,
                controllerPort: listening.grpcPort,
                enroll: { role, name in try await LiveController.enroll(controller, role, name) },
                logger: logger
            )
            for name in combiners { try await launcher.addCombiner(name) }
            while await controller.hub.attachments().count < combiners.count {
                try await Task.sleep(for: .milliseconds(20))
            }
            for (index, trainer) in trainers.enumerated() {
                try await launcher.addClient("client-\(index + 1)", trainer: trainer)
            }
            let socket = directory + "/run/controller.sock"
            await box.group.addServiceUnlessShutdown(
                .init(
                    service: TaskService(name: "demo") { try await driver(socket) },
                    successTerminationBehavior: .gracefullyShutdownGroup
                )
            )
        }
        let services = try await ControllerDaemon.make(controller: controller, logger: logger) { announce.yield($0) }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services + [.init(service: launch, successTerminationBehavior: .ignore)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        box.set(group)
        try await group.run()
    }
}
