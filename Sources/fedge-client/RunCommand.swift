import ArgumentParser
import FedgeDaemonOptions
import FedgeEdge
import FedgeRPC
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// `fedge-client run`.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract:
            "Connect to a combiner (given, or assigned by the controller) and run its tasks until stopped (Ctrl-C).",
        discussion: """
            Train with a compute package (--package DIR, a directory with fedge.yaml or fedn.yaml) or a built-in \
            trainer (--trainer noop: the global model plus a constant, for benchmarks). TLS is on by default: give \
            the CA that signed the combiner's certificate with --tls-ca, or --insecure for local development.
            """
    )

    @Option(help: "The combiner to connect to, as HOST:PORT.")
    var combiner: String?

    @Option(
        help:
            "The controller to ask for a combiner (its gRPC address, HOST:PORT); asked again whenever the connection is lost."
    )
    var controller: String?

    @Option(help: "With --controller: the combiner to be assigned to when it is attached.")
    var preferCombiner: String?

    @Option(help: "The name this client announces (default: the host name).")
    var name: String = ProcessInfo.processInfo.hostName

    @Option(help: "A compute package directory (with fedge.yaml or fedn.yaml).")
    var package: String?

    @Option(help: "A built-in trainer instead of a package: noop.")
    var trainer: String?

    @Option(help: "Seconds between heartbeats.")
    var heartbeat: Double = 5

    @Option(help: "Seconds a compute package entry point may run before it is stopped (0: no limit).")
    var taskTimeout: Double = 3600

    @Option(help: "Where models and training outputs go while a task runs.")
    var workDir: String = FileManager.default.temporaryDirectory.appendingPathComponent("fedge-client").path

    @Option(help: "A bearer token to send with every call.")
    var token: String?

    @OptionGroup var tls: TLSOptions

    @Option(help: "Run this many clients in one process, named NAME-1 … NAME-N (load tests).")
    var replicas: Int = 1

    @OptionGroup var log: LogOptions

    func validate() throws {
        guard (self.controller == nil) != (self.combiner == nil) else {
            throw ValidationError(
                "Give the controller to ask for a combiner (--controller HOST:PORT) or the combiner itself (--combiner HOST:PORT), not both."
            )
        }
        if let controller = self.controller, Endpoint(controller) == nil {
            throw ValidationError("--controller '\(controller)' is not HOST:PORT.")
        }
        if let combiner = self.combiner, Endpoint(combiner) == nil {
            throw ValidationError("--combiner '\(combiner)' is not HOST:PORT.")
        }
        guard (self.package == nil) != (self.trainer == nil) else {
            throw ValidationError("Give either --package DIR or --trainer noop.")
        }
        if let trainer = self.trainer, trainer != "noop" {
            throw ValidationError("Unknown trainer '\(trainer)'; the built-in trainers are: noop.")
        }
        guard self.heartbeat > 0 else { throw ValidationError("--heartbeat must be a positive number of seconds.") }
        guard (1...10_000).contains(self.replicas) else {
            throw ValidationError("--replicas must be between 1 and 10000.")
        }
    }

    func run() async throws {
        self.log.bootstrap()
        let logger = Logger(label: "fedge.client")
        let security = self.tls.clientSecurity
        if self.tls.insecure { logger.warning("TLS is off (--insecure): traffic to the combiner is not encrypted") }
        let trainer: any Trainer
        if let package = self.package {
            let loaded = try ComputePackage(directory: URL(fileURLWithPath: package))
            trainer = ComputePackageTrainer(
                package: loaded,
                timeout: self.taskTimeout > 0 ? .milliseconds(Int64(self.taskTimeout * 1000)) : nil
            )
        } else {
            trainer = NoopTrainer()
        }
        let endpoint = Endpoint(self.combiner ?? self.controller!)!
        let controller = self.controller.flatMap(Endpoint.init)
        let configurations = (1...self.replicas).map { i in
            let name = self.replicas == 1 ? self.name : "\(self.name)-\(i)"
            return EdgeConfiguration.defaults(
                name: name,
                combiner: endpoint,
                security: security,
                workDirectory: URL(fileURLWithPath: self.workDir).appendingPathComponent(name)
            ) {
                $0.heartbeatInterval = .milliseconds(Int64(self.heartbeat * 1000))
                $0.token = self.token
                $0.controller = controller
                $0.preferredCombiner = self.preferCombiner
            }
        }
        // One service per client; SIGTERM or SIGINT cancels each one's task in flight (reported to its combiner).
        let clients = configurations.map { configuration in
            var clientLogger = logger
            clientLogger[metadataKey: "fedge.client"] = "\(configuration.name)"
            return ServiceGroupConfiguration.ServiceConfiguration(
                service: EdgeClient(configuration: configuration, trainer: trainer, logger: clientLogger)
            )
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: clients,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }
}
