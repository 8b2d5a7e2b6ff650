import FedgeCombiner
import FedgeCore
import FedgeEdge
import FedgeProto
import FedgeRPC
import FedgeSecurity
import FedgeTensor
import FedgeTestSupport
import Foundation
import GRPCCore
import GRPCInProcessTransport
import Logging
import Synchronization

/// A combiner and edge clients in one process, over grpc-swift's in-process transport.
struct Federation: Sendable {
    let combiner: Combiner
    let client: GRPCClient<InProcessTransport.Client>
    let home: URL
    /// Tokens and kits for the clients of this federation.
    let identities: TestIdentities

    /// Logs go nowhere unless FEDGE_TEST_LOGS is set: to a level (`warning`), or anything else for all of them.
    static let logger: Logger = {
        var logger = Logger(label: "fedge.test")
        logger.logLevel =
            ProcessInfo.processInfo.environment["FEDGE_TEST_LOGS"].map { Logger.Level(rawValue: $0) ?? .debug }
            ?? .critical
        return logger
    }()

    /// Starts a combiner and `trainers.count` edge clients named client-1 …, runs `body`, then stops everything.
    static func with<R: Sendable>(
        trainers: [any Trainer],
        liveness: LivenessPolicy = LivenessPolicy(activeWindow: .seconds(30), offlineWindow: .seconds(60)),
        clock: any WallClock = SystemWallClock(),
        _ body: @Sendable (Federation) async throws -> R
    ) async throws -> R {
        try await withTemporaryDirectory { dir in
            let home = URL(fileURLWithPath: dir)
            let configuration = CombinerConfiguration.defaults(
                name: "test-combiner",
                listen: Endpoint(host: "127.0.0.1", port: 0),
                security: .insecure,
                home: home.appendingPathComponent("combiner")
            ) { $0.liveness = liveness }
            let combiner = try Combiner(configuration: configuration, clock: clock, logger: Self.logger)
            let identities = try await TestIdentities()
            try await combiner.verifier.update(publicKeyPEM: identities.issuer.publicKeyPEM, revoked: [])
            let transport = InProcessTransport()
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await combiner.serve(transport: transport.server) }
                let result = try await withGRPCClient(
                    transport: transport.client,
                    interceptors: [BearerTokenInterceptor.perTask]
                ) { client in
                    try await withThrowingTaskGroup(of: Void.self) { clients in
                        for (i, trainer) in trainers.enumerated() {
                            let name = "client-\(i + 1)"
                            let token = try await identities.token(name)
                            let edge = EdgeClient(
                                configuration: .defaults(
                                    name: name,
                                    combiner: Endpoint(host: "in-process", port: 0),
                                    security: .insecure,
                                    workDirectory: home.appendingPathComponent("edge/\(name)")
                                ) {
                                    $0.token = token
                                    $0.heartbeatInterval = .milliseconds(500)
                                    $0.backoff = Backoff(initial: .milliseconds(50), maximum: .milliseconds(500))
                                },
                                trainer: trainer,
                                logger: Self.logger
                            )
                            clients.addTask { try await edge.run(sharing: client) }
                        }
                        let federation = Federation(
                            combiner: combiner,
                            client: client,
                            home: home,
                            identities: identities
                        )
                        let result = try await body(federation)
                        clients.cancelAll()
                        return result
                    }
                }
                group.cancelAll()
                return result
            }
        }
    }

    /// Waits until `count` clients are online and idle. Generous: early in a full `swift test` run the cooperative
    /// pool is busy for 15–20 s (every suite starting at once on 2 cores), and clients connect only after it.
    func waitForClients(_ count: Int, timeout: Duration = .seconds(60)) async throws {
        let clock = ContinuousClock()
        let start = clock.now
        while await self.combiner.registry.eligible().count < count {
            guard clock.now - start < TestTime.scaled(timeout) else {
                throw RefusalError(
                    .incomplete,
                    "only \(await self.combiner.registry.eligible().count) of \(count) clients connected"
                )
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Imports `model` into the combiner's store.
    func importModel(_ model: InMemoryModel) throws -> ModelID {
        let path = self.home.appendingPathComponent("seed-\(UUID().uuidString).safetensors").path
        try SafetensorsWriter.write(model, to: path)
        return try self.combiner.runner.models.importModel(at: path)
    }

    /// A training round plan over `model`.
    func plan(
        _ model: ModelID,
        round: Int = 1,
        timeout: TimeInterval = 20,
        minUpdates: Int = 1,
        bufferSize: Int = 0,
        quota: Int = 0,
        aggregator: AggregatorName = .fedavg
    ) -> RoundPlan {
        RoundPlan(
            session: "s1",
            round: round,
            model: model,
            modelSize: self.combiner.runner.models.size(of: model),
            quota: quota,
            deadline: self.combiner.clock.date.addingTimeInterval(timeout),
            bufferSize: bufferSize,
            minUpdates: minUpdates,
            aggregator: aggregator
        )
    }

    /// Files left in the spool directory (uploads in flight or abandoned).
    func spoolLeftovers() -> [String] {
        let spool = self.combiner.configuration.spoolDirectory
        let files = (try? FileManager.default.subpathsOfDirectory(atPath: spool.path)) ?? []
        return files.filter { !$0.hasSuffix("/") && $0 != "updates" && !$0.isEmpty }
    }
}

/// A trainer that adds a fixed delta to the global model, reports a fixed weight, and keeps a copy of every update
/// it produced (in `record`), so tests can aggregate the same updates offline.
struct RecordingTrainer: Trainer {
    let delta: Float
    let weight: Double
    let record: URL

    var name: String { "recording" }

    func train(_ input: TrainerInput) async throws -> TrainingResult {
        let result = try await NoopTrainer(delta: self.delta, numExamples: self.weight).train(input)
        try FileManager.default.createDirectory(at: self.record, withIntermediateDirectories: true)
        let copy = self.record.appendingPathComponent("r\(input.task.round)-\(self.delta).safetensors")
        try? FileManager.default.removeItem(at: copy)
        try FileManager.default.copyItem(at: input.output, to: copy)
        return result
    }

    func validate(_ input: TrainerInput) async throws -> ValidationResult {
        ValidationResult(metrics: ["accuracy": Double(self.delta)], numExamples: self.weight)
    }
}

/// A trainer that never finishes until cancelled: a client that never answers.
struct HangingTrainer: Trainer {
    let cancelled: Atomic<Int>.Box

    var name: String { "hanging" }

    func train(_ input: TrainerInput) async throws -> TrainingResult {
        do {
            try await Task.sleep(for: .seconds(3600))
        } catch {
            self.cancelled.increment()
            throw error
        }
        return TrainingResult(numExamples: 1)
    }

    func validate(_ input: TrainerInput) async throws -> ValidationResult { ValidationResult(metrics: [:]) }
}

extension Atomic where Value == Int {
    /// A shareable counter.
    final class Box: Sendable {
        let value = Atomic<Int>(0)
        func increment() { self.value.add(1, ordering: .relaxed) }
        var current: Int { self.value.load(ordering: .relaxed) }
    }
}

/// A seed model: a float matrix, a bias and an integer step counter.
func seedModel(elements: Int = 1_000, seed: UInt64 = 1) -> InMemoryModel {
    var generator = SeededGenerator(seed: seed)
    return RandomModel.make(
        [
            TensorDescriptor(name: "w", dtype: .f32, shape: [elements]),
            TensorDescriptor(name: "b", dtype: .f32, shape: [4]),
            TensorDescriptor(name: "steps", dtype: .i64, shape: []),
        ],
        using: &generator
    )
}
