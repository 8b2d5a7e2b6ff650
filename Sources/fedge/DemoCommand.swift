import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels
import FedgeCore
import FedgeDemo
import FedgeEdge
import FedgeLearning
import FedgeTensor
import Foundation
import Logging
import ServiceLifecycle

/// `fedge demo`: a whole federation in one process, learning.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a whole local federation — a controller, combiners and clients — and watch it learn.",
        discussion: """
            Everything runs in this process over real loopback gRPC with mutual TLS, a real SQLite model trail and \
            the real REST API on a control socket. By default 8 clients on 2 combiners learn the UCI handwritten \
            digits with a one-hidden-layer MLP (each client its Dirichlet(0.5) share of the labels, a local test \
            split kept aside), FedAvg, 20 rounds, every round validated. On a terminal the console opens on the live \
            federation (q leaves it; the Metrics view charts the accuracy); with --headless, or without a terminal, \
            one line per round prints the validation accuracy and loss, then a summary. With --keep-running the \
            federation stays up until Ctrl-C, for `fedge` commands pointed at the FEDGE_HOME it prints.
            """
    )

    @Option(help: "How many combiners.")
    var combiners = 2

    @Option(help: "How many edge clients.")
    var clients = 8

    @Option(help: "Rounds to train.")
    var rounds = 20

    @Option(help: "The data: digits (UCI handwritten digits) or synthetic (Synthetic(α, β) of the FedProx paper).")
    var dataset = "digits"

    @Option(help: "The clients' trainer: mlp, softmax (default for synthetic), or noop (no learning, for benchmarks).")
    var trainer: String?

    @Option(help: "Digits: the Dirichlet concentration of the label split. Synthetic: α = β.")
    var alpha: Double?

    @Option(
        help:
            "The aggregator (fedavg, fedavgm, fedadam, fedyogi, fedadagrad, fedmedian, fedtrimmedavg, krum, multikrum)."
    )
    var aggregator = "fedavg"

    @Option(help: "FedProx's proximal term μ in the clients' training (0: plain FedAvg local training).")
    var mu: Double = 0

    @Option(help: "Local epochs per round (default: 3 for digits, 20 for synthetic).")
    var epochs: Int?

    @Option(help: "The clients' learning rate (default: 0.3 for digits, 0.01 for synthetic).")
    var learningRate: Double?

    @Option(help: "The seed of the data split, the first model and the training order.")
    var seed: UInt64 = 1

    @Flag(help: "Print a line per round instead of opening the console (also without a terminal).")
    var headless = false

    @Option(help: "Seconds each client pauses in training, to make rounds last (watch them in the console).")
    var trainSeconds: Double = 0

    @Option(help: "A seed model file instead of a freshly initialised one (with --trainer noop: any safetensors).")
    var seedModel: String?

    @Option(help: "Where the federation keeps its state (default: a new temporary directory, removed afterwards).")
    var home: String?

    @Flag(help: "Keep the federation running after the session, until Ctrl-C.")
    var keepRunning = false

    func validate() throws {
        guard (1...16).contains(self.combiners) else { throw ValidationError("--combiners must be from 1 to 16.") }
        guard (1...200).contains(self.clients) else { throw ValidationError("--clients must be from 1 to 200.") }
        guard (1...1000).contains(self.rounds) else { throw ValidationError("--rounds must be from 1 to 1000.") }
        guard AggregatorName(rawValue: self.aggregator) != nil else {
            throw ValidationError(
                "Unknown aggregator '\(self.aggregator)'; use one of \(AggregatorName.allCases.map(\.rawValue).joined(separator: ", "))."
            )
        }
        guard DatasetName(rawValue: self.dataset) != nil else {
            throw ValidationError("Unknown dataset '\(self.dataset)'; use digits or synthetic.")
        }
        if let trainer = self.trainer, !["mlp", "softmax", "noop"].contains(trainer) {
            throw ValidationError("Unknown trainer '\(trainer)'; use mlp, softmax or noop.")
        }
        if let seed = self.seedModel, !FileManager.default.fileExists(atPath: seed) {
            throw ValidationError("No seed model at \(seed).")
        }
        guard self.trainSeconds >= 0, self.trainSeconds <= 3600 else {
            throw ValidationError("--train-seconds must be from 0 to 3600.")
        }
        guard self.mu >= 0, self.mu.isFinite, (self.alpha ?? 1) > 0, (self.epochs ?? 1) >= 1,
            (self.epochs ?? 1) <= 1000, (self.learningRate ?? 1) > 0
        else {
            throw ValidationError("--mu must be ≥ 0, --alpha and --learning-rate positive, --epochs from 1 to 1000.")
        }
    }

    /// What the clients learn with, as the flags say.
    var learning: (configuration: LearnerConfiguration, settings: SGDSettings)? {
        let dataset = DatasetName(rawValue: self.dataset)!
        let synthetic = dataset == .synthetic
        let trainer = self.trainer ?? (synthetic ? "softmax" : "mlp")
        guard let architecture = Architecture(trainer: trainer) else { return nil }
        let configuration = LearnerConfiguration(
            dataset: dataset,
            architecture: architecture,
            shards: self.clients,
            alpha: self.alpha ?? (synthetic ? 1 : 0.5),
            seed: self.seed
        )
        let settings = SGDSettings(
            epochs: self.epochs ?? (synthetic ? 20 : 3),
            learningRate: self.learningRate ?? (synthetic ? 0.01 : 0.3),
            batchSize: synthetic ? 10 : 32,
            mu: self.mu
        )
        return (configuration, settings)
    }

    func run() async throws {
        let logger = Logger(label: "fedge.demo") { _ in SwiftLogNoOpLogHandler() }
        let temporary = self.home == nil
        let home =
            self.home
            ?? FileManager.default.temporaryDirectory.appendingPathComponent(
                "fedge-demo-\(UUID().uuidString.prefix(8))"
            ).path
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        defer { if temporary && !self.keepRunning { try? FileManager.default.removeItem(atPath: home) } }
        let learning = self.learning
        let seedPath = try self.seedModel(in: home, learning: learning?.configuration)
        let pause = Duration.milliseconds(Int64(self.trainSeconds * 1000))
        let trainers: [any Trainer] = try (0..<self.clients).map { index in
            guard var configuration = learning?.configuration else {
                return PausingTrainer(
                    pause: pause,
                    inner: NoopTrainer(delta: Float(index + 1) * 0.01, numExamples: Double((index + 1) * 100))
                )
            }
            configuration.shard = index
            return PausingTrainer(pause: pause, inner: try LearningTrainer(configuration))
        }
        let names = (1...self.combiners).map { "combiner-\($0)" }
        let plan = DemoPlan(
            clients: self.clients,
            rounds: self.rounds,
            aggregator: self.aggregator,
            settings: learning?.settings,
            keepRunning: self.keepRunning,
            console: !self.headless && isatty(STDOUT_FILENO) == 1 && isatty(STDIN_FILENO) == 1
        )
        let what =
            learning.map {
                "\($0.configuration.architecture) on \($0.configuration.dataset.rawValue) (α \($0.configuration.alpha)), \(self.aggregator)"
                    + (self.mu > 0 ? ", μ \(self.mu)" : "")
            } ?? "noop trainer, \(self.aggregator)"
        print("Fedge demo: 1 controller, \(names.count) combiner(s), \(self.clients) client(s); \(what)")
        print("State in \(home)")
        try await DemoFederation.run(directory: home, combiners: names, trainers: trainers, logger: logger) { socket in
            try await APIClient.withClient(endpoint: .unixSocket(socket)) { api in
                try await Self.drive(api, socket: socket, seed: seedPath, plan: plan)
                if plan.keepRunning {
                    let kits = try await Self.guestKits(api, in: home + "/kits", count: 3)
                    print(
                        """

                        The federation keeps running. In another terminal:
                          export FEDGE_HOME=\(home)
                          fedge console
                          fedge session list; fedge round list; fedge model trail; fedge client list
                        Kits for joining extra clients (Python: Examples/python-client; Swift: fedge-client run --kit):
                        \(kits.map { "  " + $0 }.joined(separator: "\n"))
                        More with `fedge client enroll NAME --out NAME.kit`; then `fedge session start` trains them too.
                        Ctrl-C stops it.
                        """
                    )
                    try? await gracefulShutdown()
                }
            }
        }
    }

    /// What the demo's session is.
    struct DemoPlan: Sendable {
        var clients: Int
        var rounds: Int
        var aggregator: String
        var settings: SGDSettings?
        var keepRunning: Bool
        var console: Bool
    }

    /// Uploads the seed, starts a session once every client is online, then either opens the console on it or
    /// prints a line per round; then the summary and the model trail.
    private static func drive(_ api: APIClient, socket: String, seed seedPath: String, plan: DemoPlan) async throws {
        let seed = try await api.uploadModel(from: seedPath, activate: true)
        print("Seed model \(seed.id.prefix(12)) uploaded and active")
        print("Waiting for the clients to be assigned to combiners …")
        while try await api.listClients(status: "online").total < plan.clients {
            try await Task.sleep(for: .milliseconds(200))
        }
        let since = try await api.listEvents(limit: 1).items.first?.id ?? 0
        let settings: [String: JSONValue]? = plan.settings.map {
            [
                "epochs": .number(Double($0.epochs)), "learning_rate": .number($0.learningRate),
                "batch_size": .number(Double($0.batchSize)), "mu": .number($0.mu),
            ]
        }
        let started = ContinuousClock.now
        let session = try await api.createSession(
            SessionConfigDTO(
                aggregator: plan.aggregator,
                rounds: plan.rounds,
                roundTimeout: 120,
                validate: plan.settings != nil,
                clientSettings: settings
            )
        )
        if plan.console {
            // The operator's view of the live federation; when the console is left, the session runs on to its end.
            try await ConsoleCommand.open(endpoint: .unixSocket(socket), theme: "dark")
        } else {
            print("Session \(session.id): \(plan.rounds) round(s)")
        }
        var last: (accuracy: Double, loss: Double)? = nil
        for try await event in api.events(query: ["since": "\(since)"]) {
            guard event.subject?.hasPrefix(session.id) == true else { continue }
            if event.kind == "round.validated",
                let round = event.subject.flatMap({ Int($0.split(separator: "/").last ?? "") })
            {
                let metrics = try await api.listMetrics(session: session.id, round: round).items.filter {
                    $0.client == nil
                }
                let accuracy = metrics.first { $0.name == "accuracy" }?.value
                let loss = metrics.first { $0.name == "loss" }?.value
                if let accuracy, let loss {
                    last = (accuracy, loss)
                    // After the console closes, the rounds so far are replayed here too.
                    print(
                        "  round \(String(round).leftPadded(to: 3))/\(plan.rounds)  accuracy \(String(format: "%.4f", accuracy))  loss \(String(format: "%.4f", loss))"
                    )
                }
            } else if !plan.console && plan.settings == nil && event.kind != "round.progress" {
                print(
                    "  \(Self.time(event.createdAt))  \(event.kind.padding(toLength: 17, withPad: " ", startingAt: 0)) \(event.message)"
                )
            }
            if ["session.finished", "session.failed", "session.stopped"].contains(event.kind) {
                if event.kind != "session.finished" { print("  \(event.kind): \(event.message)") }
                break
            }
        }
        let elapsed = (ContinuousClock.now - started).inSeconds
        let finished = try await api.session(session.id)
        print(
            "\nSession \(session.id) \(finished.status): \(finished.roundsDone) round(s) in \(String(format: "%.1f", elapsed)) s"
        )
        if let last {
            print(
                "Final validation accuracy \(String(format: "%.4f", last.accuracy)), loss \(String(format: "%.4f", last.loss)) (weighted over the clients' local test splits)"
            )
        }
        print("\nModel trail (newest first):")
        let active = try await api.activeModel()
        for model in ([active] + (try await api.lineage(active.id).ancestors)).prefix(6) {
            let origin = model.round.map { "round \($0)" } ?? "seed"
            print(
                "  \(model.id.prefix(12))  \(origin.padding(toLength: 9, withPad: " ", startingAt: 0)) \(model.aggregator ?? "-")"
            )
        }
        let check = try await api.verifyTrail()
        print(
            check.problems.isEmpty
                ? "Trail verified: \(check.models) models, every hash and parent checks out."
                : "Trail problems: \(check.problems)"
        )
    }

    /// Enrolls `count` clients the demo does not run (guest-1 …) and writes their kits into `folder`, for clients
    /// joined from elsewhere (a Python script, a `fedge-client`); returns the kits' paths.
    private static func guestKits(_ api: APIClient, in folder: String, count: Int) async throws -> [String] {
        try FileManager.default.createDirectory(
            atPath: folder,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        var paths: [String] = []
        for index in 1...count {
            let path = "\(folder)/guest-\(index).kit"
            paths.append(path)
            if FileManager.default.fileExists(atPath: path) { continue }  // from an earlier run on this --home
            let enrollment = try await api.enrollClient(EnrollRequest(name: "guest-\(index)"))
            try EnrollCommandSupport.write(enrollment, to: path)
        }
        return paths
    }

    /// Writes or copies the seed into the demo's home; returns its path.
    private func seedModel(in home: String, learning: LearnerConfiguration?) throws -> String {
        let path = home + "/seed.safetensors"
        if let seed = self.seedModel {
            try? FileManager.default.removeItem(atPath: path)
            try FileManager.default.copyItem(atPath: seed, toPath: path)
            return path
        }
        if let learning {
            _ = try SafetensorsWriter.write(LocalLearner.initialModel(learning).model, to: path)
            return path
        }
        var model = InMemoryModel()
        var generator = SystemRandomNumberGenerator()
        model.append(
            name: "dense.weight",
            shape: [16, 8],
            floats: (0..<128).map { _ in Float.random(in: -0.5...0.5, using: &generator) }
        )
        model.append(name: "dense.bias", shape: [16], floats: Array(repeating: 0, count: 16))
        _ = try SafetensorsWriter.write(model, to: path)
        return path
    }

    private static func time(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss.SSS"
        return formatter.string(from: date)
    }
}

/// Prints a line at once, into a pipe or a file too (where stdout is otherwise flushed only when full): the demo's
/// output is followed live, and `--keep-running` prints what to do next and then waits.
private func print(_ line: String) {
    Swift.print(line)
    fflush(nil)
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: " ", count: max(0, width - self.count)) + self
    }
}
