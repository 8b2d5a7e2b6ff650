import ArgumentParser
import FedgeCombiner
import FedgeCore
import FedgeRPC
import Foundation
import Logging
import FedgeDaemonOptions
import FedgeServerKit
import ServiceLifecycle

/// `fedge-combiner serve`.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve clients until stopped (Ctrl-C); with --controller, take rounds from the controller; with --plan, run a local session.",
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

    @Option(help: "This combiner's name.")
    var name: String = "combiner"

    @Option(help: "Working directory for models and spooled uploads (default: $FEDGE_HOME/combiner-NAME).")
    var home: String?

    @Option(help: "A local session plan (JSON) to run.")
    var plan: String?

    @Flag(help: "Exit once the --plan session has finished.")
    var exitWhenDone = false

    @Option(help: "The controller to attach to, as HOST:PORT (its gRPC port, 7701 by default).")
    var controller: String?

    @Option(help: "Where clients reach this combiner, as the controller should tell them (default: --listen, with this host's name for 0.0.0.0).")
    var advertise: String?

    @Option(help: "The control socket (default: $FEDGE_HOME/run/combiner-NAME.sock; 'none' for none).")
    var socket: String?

    @Option(help: "Seconds of silence after which a client is stale (no new tasks).")
    var activeWindow: Double = 15

    @Option(help: "Seconds of silence after which a client is offline.")
    var offlineWindow: Double = 60

    @OptionGroup var tls: ServerTLSOptions

    @OptionGroup var log: LogOptions

    func validate() throws {
        guard Endpoint(self.listen) != nil else { throw ValidationError("--listen '\(self.listen)' is not HOST:PORT.") }
        if let controller = self.controller, Endpoint(controller) == nil { throw ValidationError("--controller '\(controller)' is not HOST:PORT.") }
        if self.controller != nil && self.plan != nil { throw ValidationError("Give --controller or --plan, not both: the controller plans the rounds.") }
        if let advertise = self.advertise, Endpoint(advertise) == nil { throw ValidationError("--advertise '\(advertise)' is not HOST:PORT.") }
        guard self.activeWindow > 0, self.offlineWindow >= self.activeWindow else {
            throw ValidationError("--active-window must be positive and --offline-window at least as long.")
        }
    }

    func run() async throws {
        MemoryTuning.apply()
        LoggingBootstrap.bootstrap(level: self.log.level)
        let logger = Logger(label: "fedge.combiner")
        let fedgeHome = FedgeHome.fromEnvironment()
        let home = URL(fileURLWithPath: self.home ?? fedgeHome.root.appendingPathComponent("combiner-\(self.name)").path)
        let security = self.tls.security
        if self.tls.insecure { logger.warning("TLS is off (--insecure): client traffic is not encrypted") }
        let configuration = CombinerConfiguration.defaults(
            name: self.name, listen: Endpoint(self.listen)!, security: security, home: home
        ) {
            $0.liveness = LivenessPolicy(
                activeWindow: .milliseconds(Int64(self.activeWindow * 1000)),
                offlineWindow: .milliseconds(Int64(self.offlineWindow * 1000))
            )
        }
        let combiner = try Combiner(configuration: configuration, logger: logger)
        let plan = try self.plan.map { try LocalPlan(contentsOf: URL(fileURLWithPath: $0)) }
        let exitWhenDone = self.exitWhenDone
        let transport = try combiner.makeTransport()
        let events = CombinerEvents()
        let link = self.controller.map { controller in
            var link = ControllerLink(
                combiner: combiner, controller: Endpoint(controller)!, security: security.clientSide,
                advertisedAddress: self.advertisedAddress(), logger: logger
            )
            link.events = events
            return link
        }
        let socket = self.socket ?? fedgeHome.combinerSocket(self.name)
        let api = socket == "none" ? nil : try HTTPListener.controlSocket(path: socket).application(
            name: "fedge-combiner",
            router: CombinerAPI(combiner: combiner, link: link?.status, controller: self.controller, events: events).router(),
            logger: logger
        ) { address in logger.notice("Control socket listening", metadata: ["fedge.address": "\(address)"]) }
        try await withShutdownSignals {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await combiner.serve(transport: transport) }
                if let link { group.addTask { try await link.run() } }
                if let api { group.addTask { try await api.run() } }
                if let plan {
                    group.addTask {
                        let outcome = try await LocalDriver(plan: plan, combiner: combiner, logger: logger).run()
                        if let last = outcome.models.last { print(last.hex) }
                    }
                    if exitWhenDone {
                        // The server runs until cancelled, so the first task to finish is the session.
                        try await group.next()
                        group.cancelAll()
                        return
                    }
                }
                try await group.waitForAll()
            }
        }
    }
}

extension ServeCommand {
    /// `--advertise`, or `--listen` with a wildcard host replaced by this host's name.
    func advertisedAddress() -> String {
        if let advertise = self.advertise { return advertise }
        let listen = Endpoint(self.listen)!
        let host = listen.host == "0.0.0.0" || listen.host == "::" ? ProcessInfo.processInfo.hostName : listen.host
        return "\(Endpoint(host: host, port: listen.port))"
    }
}

extension TransportSecurity {
    /// The same files, used to dial out: the CA verifies the peer, the certificate and key identify this node.
    var clientSide: TransportSecurity {
        switch self {
        case .insecure: .insecure
        case .tls(let files):
            .tls(.init(certificate: files.certificate, privateKey: files.privateKey, trustRoots: files.trustRoots, requireClientCertificates: false))
        }
    }
}

/// glibc's allocator keeps freed transfer chunks (1 MiB each) in per-thread arenas once its dynamic mmap threshold
/// has risen, so a combiner moving many models would hold on to memory it no longer uses. A fixed threshold makes
/// every chunk a mapping of its own, returned to the system when freed, and two arenas are plenty for a daemon
/// whose heavy lifting is I/O.
enum MemoryTuning {
    static func apply() {
        #if os(Linux)
        // <malloc.h>'s M_MMAP_THRESHOLD and M_ARENA_MAX; the header is not part of Swift's Glibc module.
        _ = glibcMallopt(-3, 128 * 1024)
        _ = glibcMallopt(-8, 2)
        #endif
    }
}

#if os(Linux)
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
