import ArgumentParser
import FedgeCombiner
import FedgeCore
import FedgeDaemonOptions
import FedgeRPC
import FedgeSecurity
import FedgeServerKit
import Foundation
import GRPCNIOTransportHTTP2
import Logging
import ServiceLifecycle
import UnixSignals

/// `fedge-combiner serve`.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract:
            "Serve clients until stopped (Ctrl-C); with --controller, take rounds from the controller; with --plan, run a local session.",
        discussion: """
            With --controller HOST:PORT the combiner dials the controller, tells it where clients reach it \
            (--advertise) and runs the rounds it plans. Without a controller it can run a session from a plan file: \
            {"model": "seed.safetensors", "rounds": 3, "aggregator": "fedavg", "round_timeout": 60, \
            "clients_required": 2, "wait_for_clients": 2, "client_settings": {"epochs": 1}, "output": "models"}. \
            It waits for the clients, runs the rounds and writes each round's model.
            """
    )

    @Option(help: "Where clients connect, as HOST:PORT (:PORT for every interface).")
    var listen: String = "0.0.0.0:7710"

    @Option(
        help:
            "This combiner's enrollment kit (from `fedge combiner enroll`): its name, certificate, key and token, the CA and the controller's address."
    )
    var kit: String?

    @Option(help: "This combiner's name (default: the kit's, else 'combiner').")
    var name: String?

    @Option(help: "Without a kit: a file holding this combiner's token (for the controller).")
    var tokenFile: String?

    @Option(help: "Without a kit: the controller's token-signing public key (PEM), to check clients' tokens.")
    var tokenPublicKey: String?

    @Option(help: "Working directory for models and spooled uploads (default: $FEDGE_HOME/combiner-NAME).")
    var home: String?

    @Option(help: "A local session plan (JSON) to run.")
    var plan: String?

    @Flag(help: "Exit once the --plan session has finished.")
    var exitWhenDone = false

    @Option(help: "The controller to attach to, as HOST:PORT (its gRPC port, 7701 by default).")
    var controller: String?

    @Option(
        help:
            "Where clients reach this combiner, as the controller should tell them (default: --listen, with this host's name for 0.0.0.0)."
    )
    var advertise: String?

    @Option(help: "The control socket (default: $FEDGE_HOME/run/combiner-NAME.sock; 'none' for none).")
    var socket: String?

    @Option(help: "Seconds of silence after which a client is stale (no new tasks).")
    var activeWindow: Double = 15

    @Option(help: "Seconds of silence after which a client is offline.")
    var offlineWindow: Double = 60

    @Option(help: "How long a client that went offline is remembered (its id and counters), like 12h or 7d.")
    var clientRetention: String = "7d"

    @OptionGroup var tls: ServerTLSOptions

    @OptionGroup var log: LogOptions

    func validate() throws {
        guard Endpoint(self.listen) != nil else { throw ValidationError("--listen '\(self.listen)' is not HOST:PORT.") }
        if let controller = self.controller, Endpoint(controller) == nil {
            throw ValidationError("--controller '\(controller)' is not HOST:PORT.")
        }
        if self.controller != nil && self.plan != nil {
            throw ValidationError("Give --controller or --plan, not both: the controller plans the rounds.")
        }
        if let advertise = self.advertise, Endpoint(advertise) == nil {
            throw ValidationError("--advertise '\(advertise)' is not HOST:PORT.")
        }
        guard self.activeWindow > 0, self.offlineWindow >= self.activeWindow else {
            throw ValidationError("--active-window must be positive and --offline-window at least as long.")
        }
        do {
            _ = try TokenLifetime.parse(self.clientRetention)
        } catch {
            throw ValidationError("--client-retention: \(error)")
        }
    }

    func run() async throws {
        MemoryTuning.apply()
        self.log.bootstrap()
        let logger = Logger(label: "fedge.combiner")
        let fedgeHome = FedgeHome.fromEnvironment()
        let identity = try self.identity()
        let home = URL(
            fileURLWithPath: self.home ?? fedgeHome.root.appendingPathComponent("combiner-\(identity.name)").path
        )
        try self.tls.checkInsecure(listen: Endpoint(self.listen)!.host, flag: "--listen")
        if self.tls.insecure {
            logger.warning("TLS is off (--insecure): client traffic is not encrypted; tokens are still required")
        }
        var serverSecurity = self.tls.security
        var dialSecurity = self.tls.clientSecurity
        if let kit = identity.kit, !self.tls.insecure {
            serverSecurity = try kit.transportSecurity(materializingIn: home.appendingPathComponent("kit"))
            dialSecurity = serverSecurity
        }
        if case .tls(let files) = serverSecurity, files.certificate == nil {
            throw ValidationError(
                "TLS is on by default: give --kit (from `fedge combiner enroll`), or --tls-cert and --tls-key, or --insecure for local development."
            )
        }
        let retention = try TokenLifetime.parse(self.clientRetention)
        let configuration = CombinerConfiguration.defaults(
            name: identity.name,
            listen: Endpoint(self.listen)!,
            security: serverSecurity,
            home: home
        ) {
            $0.token = identity.token
            $0.liveness = LivenessPolicy(
                activeWindow: .milliseconds(Int64(self.activeWindow * 1000)),
                offlineWindow: .milliseconds(Int64(self.offlineWindow * 1000)),
                retention: retention
            )
        }
        let combiner = try Combiner(configuration: configuration, logger: logger)
        if let key = identity.tokenPublicKey {
            // Clients can be checked before the first attach (and in a local session, which has no controller).
            try await combiner.verifier.update(publicKeyPEM: key, revoked: [])
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: try self.services(
                    combiner: combiner,
                    controller: identity.controller,
                    dialSecurity: dialSecurity,
                    home: fedgeHome,
                    logger: logger
                ),
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }

    /// The combiner's services in the order they start (and the reverse of the order they stop): the gRPC server
    /// for clients, the link to the controller, the control socket, a local plan.
    private func services(
        combiner: Combiner,
        controller: String?,
        dialSecurity: TransportSecurity,
        home: FedgeHome,
        logger: Logger
    ) throws -> [ServiceGroupConfiguration.ServiceConfiguration] {
        let server = combiner.server(transport: try combiner.makeTransport())
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: GRPCServerService(server: server)),
            .init(
                service: TaskService(name: "listening") {
                    if let address = try await server.listeningAddress { combiner.announce(address) }
                },
                successTerminationBehavior: .ignore
            ),
        ]
        let events = CombinerEvents()
        var link: ControllerLink? = nil
        if let controller, self.plan == nil {
            link = ControllerLink(
                combiner: combiner,
                controller: Endpoint(controller)!,
                security: dialSecurity,
                advertisedAddress: self.advertisedAddress(),
                logger: logger
            )
            link?.events = events
            services.append(.init(service: link!))
        }
        let socket = self.socket ?? home.combinerSocket(combiner.configuration.name)
        if socket != "none" {
            let router = CombinerAPI(
                combiner: combiner,
                link: link?.status,
                controller: controller,
                events: events
            ).router()
            let api = try HTTPListener.controlSocket(path: socket).application(
                name: "fedge-combiner",
                router: router,
                logger: logger
            ) { address in
                logger.notice("Control socket listening", metadata: ["fedge.address": "\(address)"])
            }
            services.append(.init(service: api))
        }
        if let plan = try self.plan.map({ try LocalPlan(contentsOf: URL(fileURLWithPath: $0)) }) {
            let driver = TaskService(name: "local-plan") {
                let outcome = try await LocalDriver(plan: plan, combiner: combiner, logger: logger).run()
                if let last = outcome.models.last { print(last.hex) }
            }
            // With --exit-when-done the finished plan shuts the combiner down; otherwise it serves on.
            services.append(
                .init(
                    service: driver,
                    successTerminationBehavior: self.exitWhenDone ? .gracefullyShutdownGroup : .ignore
                )
            )
        }
        return services
    }
}

extension ServeCommand {
    /// Who this combiner is: from its kit, or from the flags.
    struct Identity {
        var name: String
        var kit: Kit?
        var token: String?
        var tokenPublicKey: String?
        var controller: String?
    }

    func identity() throws -> Identity {
        if let path = self.kit {
            let kit = try Kit.load(path: path)
            guard kit.role == .combiner else { throw KitError.wrongRole(expected: .combiner, found: kit.role) }
            if let name = self.name, name != kit.name {
                throw ValidationError(
                    "--name \(name) differs from the kit's name \(kit.name); a combiner's name is its kit's."
                )
            }
            return Identity(
                name: kit.name,
                kit: kit,
                token: kit.token,
                tokenPublicKey: kit.tokenPublicKey,
                controller: self.controller ?? kit.controller
            )
        }
        let token = try self.tokenFile.map {
            try String(contentsOfFile: $0, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let key = try self.tokenPublicKey.map { try String(contentsOfFile: $0, encoding: .utf8) }
        if self.controller != nil && token == nil {
            throw ValidationError(
                "The controller needs to know this combiner: give --kit (from `fedge combiner enroll NAME`), or --token-file."
            )
        }
        if self.plan != nil && key == nil {
            throw ValidationError(
                "A local session checks clients' tokens: give --kit (from `fedge combiner enroll NAME`) or --token-public-key."
            )
        }
        return Identity(
            name: self.name ?? "combiner",
            kit: nil,
            token: token,
            tokenPublicKey: key,
            controller: self.controller
        )
    }

    /// `--advertise`, or `--listen` with a wildcard host replaced by this host's name.
    func advertisedAddress() -> String {
        self.advertise ?? "\(Endpoint(self.listen)!.advertised)"
    }
}
