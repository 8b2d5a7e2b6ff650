import ArgumentParser
import FedgeDaemonOptions
import FedgeEdge
import FedgeLearning
import FedgeRPC
import FedgeSecurity
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
            Without --package or --trainer the client runs the session's compute package, as the controller hands it \
            down through the combiner (checked by its SHA-256, kept in WORK-DIR/NAME/packages by hash). Or train \
            with a local compute package (--package DIR, a directory with fedge.yaml or fedn.yaml) or a built-in \
            trainer: --trainer softmax|mlp learns on this client's shard of a built-in dataset (--dataset, --shard \
            I/N, --alpha, --seed); --trainer noop adds a constant to the global model, for benchmarks. A kit from \
            `fedge client enroll` is all a client needs (--kit FILE): its name, token and certificate, the CA and the \
            controller's address. --kit DIR runs one client per kit in the folder, in this process (load tests).
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

    @Option(
        help: """
            A built-in trainer instead of a package: softmax or mlp (learning on a built-in dataset, see --dataset), \
            or noop (the global model plus a constant, for benchmarks).
            """
    )
    var trainer: String?

    @Option(
        help: "With --trainer softmax|mlp: the data, digits (UCI handwritten digits) or synthetic (Synthetic(α, β))."
    )
    var dataset: String = "digits"

    @Option(
        help: """
            With --trainer softmax|mlp: this client's shard, I/N (the I-th of N clients, from 1). Default 1/1, or with \
            --kit DIR each kit its own shard of as many as there are kits.
            """
    )
    var shard: String?

    @Option(help: "Digits: the Dirichlet concentration of the label split (smaller: more skewed). Synthetic: α.")
    var alpha: Double = 0.5

    @Option(help: "Synthetic only: β (default: --alpha).")
    var beta: Double?

    @Option(help: "The seed of the data split and the training order (every client of a federation uses the same).")
    var seed: UInt64 = 1

    @Option(help: "With --trainer mlp: the hidden layer's width.")
    var hidden: Int = 64

    @Option(help: "Seconds between heartbeats.")
    var heartbeat: Double = 5

    @Option(help: "Seconds a compute package entry point may run before it is stopped (0: no limit).")
    var taskTimeout: Double = 3600

    @Option(help: "Where models and training outputs go while a task runs.")
    var workDir: String = FileManager.default.temporaryDirectory.appendingPathComponent("fedge-client").path

    @Option(help: "This client's kit (from `fedge client enroll`), or a folder of kits to run one client per kit.")
    var kit: String?

    @Option(help: "Without a kit: a file holding this client's token.")
    var tokenFile: String?

    @Option(
        name: .customLong("pass-env"),
        help: ArgumentHelp(
            "Pass this environment variable on to the package (repeat). A package gets only PATH, HOME, LANG, TMPDIR and FEDGE_* (never FEDGE_TOKEN or FEDGE_TOKEN_FILE) otherwise.",
            valueName: "NAME"
        )
    )
    var passEnv: [String] = []

    @OptionGroup var tls: TLSOptions

    @OptionGroup var log: LogOptions

    func validate() throws {
        guard self.kit != nil || (self.controller == nil) != (self.combiner == nil) else {
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
        guard self.package == nil || self.trainer == nil else {
            throw ValidationError(
                "Give --package DIR or --trainer softmax|mlp|noop, not both (or neither, to run the session's package)."
            )
        }
        if let trainer = self.trainer, !["noop", "softmax", "mlp"].contains(trainer) {
            throw ValidationError("Unknown trainer '\(trainer)'; the built-in trainers are: softmax, mlp, noop.")
        }
        guard DatasetName(rawValue: self.dataset) != nil else {
            throw ValidationError("Unknown dataset '\(self.dataset)'; the built-in datasets are: digits, synthetic.")
        }
        if let shard = self.shard {
            do {
                _ = try LearnerConfiguration.parseShard(shard)
            } catch {
                throw ValidationError("--shard: \(error)")
            }
        }
        guard self.alpha > 0, self.alpha.isFinite, (self.beta ?? 0) >= 0, (1...4096).contains(self.hidden) else {
            throw ValidationError("--alpha must be positive, --beta not negative, --hidden from 1 to 4096.")
        }
        guard self.heartbeat > 0 else { throw ValidationError("--heartbeat must be a positive number of seconds.") }
        guard self.kit != nil || self.tokenFile != nil else {
            throw ValidationError(
                "A client needs an identity: give --kit FILE (from `fedge client enroll NAME --out FILE`), or --token-file."
            )
        }
    }

    func run() async throws {
        self.log.bootstrap()
        let logger = Logger(label: "fedge.client")
        if self.tls.insecure {
            logger.warning("TLS is off (--insecure): traffic is not encrypted; the token is still sent and checked")
        }
        let identities = try self.identities()
        let trainers = try identities.indices.map { try self.trainer(client: $0, of: identities.count) }
        let configurations = identities.map { identity in
            let endpoint = Endpoint(self.combiner ?? identity.controller ?? self.controller!)!
            let controller = self.combiner == nil ? endpoint : nil
            return EdgeConfiguration.defaults(
                name: identity.name,
                combiner: endpoint,
                security: identity.security,
                workDirectory: URL(fileURLWithPath: self.workDir).appendingPathComponent(identity.name)
            ) {
                $0.heartbeatInterval = .milliseconds(Int64(self.heartbeat * 1000))
                $0.token = identity.token
                $0.controller = controller
                $0.preferredCombiner = self.preferCombiner
            }
        }
        // One service per client; SIGTERM or SIGINT cancels each one's task in flight (reported to its combiner).
        let clients = zip(configurations, trainers).map { configuration, trainer in
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

extension RunCommand {
    /// The trainer of client `index` of `count` run by this process.
    func trainer(client index: Int, of count: Int) throws -> any Trainer {
        if let package = self.package {
            return ComputePackageTrainer(
                package: try ComputePackage(directory: URL(fileURLWithPath: package)),
                timeout: self.taskTimeout > 0 ? .milliseconds(Int64(self.taskTimeout * 1000)) : nil,
                environment: PackageEnvironment.clean(passing: self.passEnv)
            )
        }
        guard let trainer = self.trainer else {
            // Neither a package nor a built-in trainer: run whatever package the session hands down.
            return SessionPackageTrainer(
                timeout: self.taskTimeout > 0 ? .milliseconds(Int64(self.taskTimeout * 1000)) : nil,
                environment: PackageEnvironment.clean(passing: self.passEnv)
            )
        }
        guard let architecture = Architecture(trainer: trainer, hidden: self.hidden) else { return NoopTrainer() }
        let shard: (index: Int, count: Int)
        if let text = self.shard {
            guard count == 1 else {
                throw ValidationError("--shard names one client's shard; with --kit DIR each kit takes its own.")
            }
            shard = try LearnerConfiguration.parseShard(text)
        } else {
            shard = (index, count)
        }
        do {
            return try LearningTrainer(
                LearnerConfiguration(
                    dataset: DatasetName(rawValue: self.dataset)!,
                    architecture: architecture,
                    shard: shard.index,
                    shards: shard.count,
                    alpha: self.alpha,
                    beta: self.beta,
                    seed: self.seed
                )
            )
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// One client's identity: its name, token, TLS and controller.
    struct Identity {
        var name: String
        var token: String
        var security: TransportSecurity
        var controller: String?
    }

    /// The clients to run: one per kit (a file, or every `*.kit` in a folder), or one from the flags.
    func identities() throws -> [Identity] {
        guard let path = self.kit else {
            let token = try String(contentsOfFile: self.tokenFile!, encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            return [Identity(name: self.name, token: token, security: self.tls.clientSecurity, controller: nil)]
        }
        var isDirectory: ObjCBool = false
        FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        let files =
            isDirectory.boolValue
            ? try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".kit") }.sorted().map {
                "\(path)/\($0)"
            } : [path]
        guard !files.isEmpty else { throw ValidationError("\(path) holds no .kit files.") }
        return try files.map { file in
            let kit = try Kit.load(path: file)
            guard kit.role == .client else { throw KitError.wrongRole(expected: .client, found: kit.role) }
            let security =
                self.tls.insecure
                ? TransportSecurity.insecure
                : try kit.transportSecurity(
                    materializingIn: URL(fileURLWithPath: self.workDir).appendingPathComponent(kit.name)
                        .appendingPathComponent("kit")
                )
            return Identity(name: kit.name, token: kit.token, security: security, controller: kit.controller)
        }
    }
}
