import FedgeCombiner
import FedgeCore
package import FedgeEdge
import FedgeRPC
package import FedgeSecurity
import FedgeServerKit
import Foundation
import GRPCNIOTransportHTTP2
package import Logging
package import ServiceLifecycle

/// Adds the nodes of a local federation to a running `ServiceGroup`, each once what it needs is up. Services added
/// later stop first, so clients stop before the combiners they dial, and combiners before the controller.
package struct FederationLauncher: Sendable {
    package let group: ServiceGroup
    /// Where the nodes keep their state: `combiner-NAME/`, `edge/NAME/`, `run/combiner-NAME.sock`.
    package let directory: String
    package let controllerPort: Int
    /// Makes a node's kit (the controller enrolls it, as `fedge combiner enroll` / `fedge client enroll` would).
    package let enroll: @Sendable (Role, String) async throws -> Kit
    /// TLS (from each node's kit); `false` only against a controller run with `--insecure` (tokens still go).
    package let tls: Bool
    /// The port a combiner listening on `port` tells its clients to dial: `port` itself, or a fault test's proxy.
    package let route: @Sendable (_ combiner: String, _ port: Int) async throws -> Int
    package let logger: Logger

    package init(
        group: ServiceGroup,
        directory: String,
        controllerPort: Int,
        enroll: @escaping @Sendable (Role, String) async throws -> Kit,
        tls: Bool = true,
        route: @escaping @Sendable (_ combiner: String, _ port: Int) async throws -> Int = { $1 },
        logger: Logger
    ) {
        self.tls = tls
        self.route = route
        self.group = group
        self.directory = directory
        self.controllerPort = controllerPort
        self.enroll = enroll
        self.logger = logger
    }

    /// Adds a combiner named `name`: its gRPC server for clients on a loopback port first, then — once it listens —
    /// its link to the controller and its control socket, as the daemon serves them.
    package func addCombiner(_ name: String) async throws {
        let home = URL(fileURLWithPath: self.directory + "/combiner-\(name)")
        let kit = try await self.enroll(.combiner, name)
        let security =
            self.tls ? try kit.transportSecurity(materializingIn: home.appendingPathComponent("kit")) : .insecure
        let configuration = CombinerConfiguration.defaults(
            name: name,
            listen: Endpoint(host: "127.0.0.1", port: 0),
            security: security,
            home: home
        ) {
            $0.token = kit.token
            $0.liveness = LivenessPolicy(activeWindow: .seconds(5), offlineWindow: .seconds(20))
        }
        let combiner = try Combiner(configuration: configuration, logger: self.logger)
        let server = combiner.server(transport: try combiner.makeTransport())
        await self.group.addServiceUnlessShutdown(GRPCServerService(server: server))
        guard let address = try await server.listeningAddress else { return }
        combiner.announce(address)
        let port = try await self.route(name, Int("\(address)".split(separator: ":").last ?? "") ?? 0)
        var link = ControllerLink(
            combiner: combiner,
            controller: Endpoint(host: "127.0.0.1", port: self.controllerPort),
            security: security,
            advertisedAddress: "127.0.0.1:\(port)",
            logger: self.logger
        )
        link.backoff = Backoff(initial: .milliseconds(100), maximum: .milliseconds(500))
        await self.group.addServiceUnlessShutdown(link)
        let router = CombinerAPI(
            combiner: combiner,
            link: link.status,
            controller: "127.0.0.1:\(self.controllerPort)",
            events: link.events
        ).router()
        let api = try HTTPListener.controlSocket(path: self.directory + "/run/combiner-\(name).sock")
            .application(name: "fedge-combiner", router: router, logger: self.logger)
        await self.group.addServiceUnlessShutdown(api)
    }

    /// Adds an edge client named `name` training with `trainer`; it asks the controller for a combiner.
    package func addClient(_ name: String, trainer: any Trainer) async throws {
        await self.group.addServiceUnlessShutdown(try await self.client(name, trainer: trainer))
    }

    /// An edge client of this federation, enrolled but not yet started.
    package func client(_ name: String, trainer: any Trainer) async throws -> EdgeClient {
        let work = URL(fileURLWithPath: self.directory + "/edge/\(name)")
        let kit = try await self.enroll(.client, name)
        let security =
            self.tls ? try kit.transportSecurity(materializingIn: work.appendingPathComponent("kit")) : .insecure
        return EdgeClient(
            configuration: .defaults(
                name: name,
                combiner: Endpoint(host: "127.0.0.1", port: self.controllerPort),
                security: security,
                workDirectory: work
            ) {
                $0.token = kit.token
                $0.controller = Endpoint(host: "127.0.0.1", port: self.controllerPort)
                $0.heartbeatInterval = .milliseconds(300)
                $0.backoff = Backoff(initial: .milliseconds(100), maximum: .milliseconds(500))
            },
            trainer: trainer,
            logger: self.logger
        )
    }
}
