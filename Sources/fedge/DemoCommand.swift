import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels
import FedgeCore
import FedgeDemo
import FedgeEdge
import FedgeTensor
import Foundation
import Logging
import ServiceLifecycle

/// `fedge demo`: a whole federation in one process.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a whole local federation — a controller, combiners and clients — and train a session on it.",
        discussion: """
            Everything runs in this process over real loopback gRPC, a real SQLite model trail and the real REST \
            API on a control socket: the controller, --combiners combiners and --clients edge clients with the \
            built-in noop trainer (each client shifts the model by its own small amount, weighted by its own \
            number of examples). The demo uploads a seed model, starts a session, prints what happens as it \
            happens, then the model trail. With --keep-running the federation stays up until Ctrl-C, so that \
            `fedge` commands (and the console) can be pointed at it with the FEDGE_HOME it prints.
            """
    )

    @Option(help: "How many combiners.")
    var combiners = 2

    @Option(help: "How many edge clients.")
    var clients = 6

    @Option(help: "Rounds to train.")
    var rounds = 3

    @Option(
        help:
            "The aggregator (fedavg, fedavgm, fedadam, fedyogi, fedadagrad, fedmedian, fedtrimmedavg, krum, multikrum)."
    )
    var aggregator = "fedavg"

    @Option(help: "Seconds each client spends training, to make rounds last (watch them in `fedge console`).")
    var trainSeconds: Double = 0

    @Option(help: "The seed model (default: Examples/models/base.safetensors if present, else a small random model).")
    var seed: String?

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
        if let seed = self.seed, !FileManager.default.fileExists(atPath: seed) {
            throw ValidationError("No seed model at \(seed).")
        }
        guard self.trainSeconds >= 0, self.trainSeconds <= 3600 else {
            throw ValidationError("--train-seconds must be from 0 to 3600.")
        }
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
        let seedPath = try self.seedModel(in: home)
        let pause = Duration.milliseconds(Int64(self.trainSeconds * 1000))
        let trainers: [any Trainer] = (1...self.clients).map {
            PausingTrainer(pause: pause, inner: NoopTrainer(delta: Float($0) * 0.01, numExamples: Double($0 * 100)))
        }
        let names = (1...self.combiners).map { "combiner-\($0)" }
        let (rounds, aggregator, clients, keepRunning) = (self.rounds, self.aggregator, self.clients, self.keepRunning)

        print("Fedge demo: 1 controller, \(names.count) combiner(s), \(clients) client(s); state in \(home)")
        try await DemoFederation.run(directory: home, combiners: names, trainers: trainers, logger: logger) { socket in
            try await APIClient.withClient(endpoint: .unixSocket(socket)) { api in
                try await Self.drive(api, seed: seedPath, clients: clients, rounds: rounds, aggregator: aggregator)
                if keepRunning {
                    print(
                        "\nThe federation keeps running. In another terminal:\n  export FEDGE_HOME=\(home)\n  fedge console\n  fedge session list; fedge round list; fedge model trail; fedge client list\nCtrl-C stops it."
                    )
                    try? await gracefulShutdown()
                }
            }
        }
    }

    /// Uploads the seed, starts a session once every client is online, prints its events as they happen, then
    /// the model trail.
    private static func drive(
        _ api: APIClient,
        seed seedPath: String,
        clients: Int,
        rounds: Int,
        aggregator: String
    ) async throws {
        let seed = try await api.uploadModel(from: seedPath, activate: true)
        print("Seed model \(seed.id.prefix(12)) uploaded and active")
        print("Waiting for the clients to be assigned to combiners …")
        while try await api.listClients(status: "online").total < clients {
            try await Task.sleep(for: .milliseconds(200))
        }
        // Follow the controller's live event stream (what the console shows), from the session's creation on.
        let since = try await api.listEvents(limit: 1).items.first?.id ?? 0
        let session = try await api.createSession(
            SessionConfigDTO(aggregator: aggregator, rounds: rounds, roundTimeout: 60)
        )
        for try await event in api.events(query: ["since": "\(since)"]) {
            guard event.subject?.hasPrefix(session.id) == true, event.kind != "round.progress" else { continue }
            print(
                "  \(Self.time(event.createdAt))  \(event.kind.padding(toLength: 17, withPad: " ", startingAt: 0)) \(event.message)"
            )
            if ["session.finished", "session.failed", "session.stopped"].contains(event.kind) { break }
        }
        print("\nModel trail (newest first):")
        let active = try await api.activeModel()
        for model in [active] + (try await api.lineage(active.id).ancestors) {
            let origin = model.round.map { "round \($0)" } ?? "seed"
            let metrics = model.metrics.sorted { $0.key < $1.key }.map {
                "\($0.key)=\(String(format: "%.4g", $0.value))"
            }.joined(separator: " ")
            print(
                "  \(model.id.prefix(12))  \(origin.padding(toLength: 8, withPad: " ", startingAt: 0)) \(model.aggregator ?? "-")  \(metrics)"
            )
        }
        let check = try await api.verifyTrail()
        print(
            check.problems.isEmpty
                ? "Trail verified: \(check.models) models, every hash and parent checks out."
                : "Trail problems: \(check.problems)"
        )
    }

    /// Writes or copies the seed into the demo's home; returns its path.
    private func seedModel(in home: String) throws -> String {
        let path = home + "/seed.safetensors"
        if let seed = self.seed
            ?? (FileManager.default.fileExists(atPath: "Examples/models/base.safetensors")
                ? "Examples/models/base.safetensors" : nil)
        {
            try? FileManager.default.removeItem(atPath: path)
            try FileManager.default.copyItem(atPath: seed, toPath: path)
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
