import FedgeAPIClient
import FedgeCombiner
import FedgeController
import FedgeCore
import FedgeEdge
import FedgeRPC
import FedgeServerKit
import FedgeTensor
import FedgeTestSupport
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Logs go nowhere unless FEDGE_TEST_LOGS is set.
let testLogger: Logger = {
    var logger = Logger(label: "fedge.test")
    logger.logLevel = ProcessInfo.processInfo.environment["FEDGE_TEST_LOGS"] == nil ? .critical : .debug
    return logger
}()

/// A real controller in this process: SQLite in a temporary directory, gRPC and the REST API on loopback ports
/// chosen by the system, and the control socket.
struct LiveController: Sendable {
    let controller: Controller
    let grpcPort: Int
    let httpURL: String
    let socket: String
    let token: String

    /// The REST client over the control socket.
    func socketClient() -> APIClient { APIClient(endpoint: .unixSocket(self.socket)) }

    static func with<R: Sendable>(
        directory: String,
        grpcPort: Int = 0,
        uploadGrace: Duration = .seconds(5),
        _ body: @Sendable (LiveController) async throws -> R
    ) async throws -> R {
        let socket = directory + "/run/controller.sock"
        let token = "test-token-0123456789"
        var configuration = ControllerConfiguration(
            directory: URL(fileURLWithPath: directory + "/controller"),
            grpcListen: Endpoint(host: "127.0.0.1", port: grpcPort), grpcSecurity: .insecure,
            httpListeners: [.tcp(host: "127.0.0.1", port: 0), .controlSocket(path: socket)], apiToken: token
        )
        configuration.heartbeatInterval = .milliseconds(300)
        configuration.orchestration.uploadGrace = uploadGrace
        configuration.orchestration.idlePoll = .milliseconds(100)
        let controller = try Controller(configuration: configuration, logger: testLogger)
        let (addresses, announce) = AsyncStream.makeStream(of: String.self)
        let services = try ControllerServices.make(controller: controller, logger: testLogger) { announce.yield($0) }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: services, logger: testLogger))
        return try await withThrowingTaskGroup(of: R?.self) { tasks in
            tasks.addTask {
                try await group.run()
                return nil
            }
            var grpc: Int? = nil
            var http: String? = nil
            var unix = false
            for await address in addresses {
                if address.hasPrefix("grpc:") { grpc = Int(address.split(separator: ":").last ?? "") }
                if address.hasPrefix("http://") { http = address }
                if address.hasPrefix("unix:") { unix = true }
                if grpc != nil && http != nil && unix { break }
            }
            let live = LiveController(controller: controller, grpcPort: grpc!, httpURL: http!, socket: socket, token: token)
            let result: R
            do {
                result = try await body(live)
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

/// Runs combiners and edge clients in this process against a controller's gRPC port until `body` returns.
enum LiveFederation {
    /// Combiners named `combiners` and clients client-1 … with `trainers`, all dialling the controller; clients
    /// are assigned by it.
    static func with<R: Sendable>(
        directory: String,
        controllerPort: Int,
        combiners: [String],
        trainers: [any Trainer],
        _ body: @Sendable () async throws -> R
    ) async throws -> R {
        try await withThrowingTaskGroup(of: R?.self) { group in
            for name in combiners {
                group.addTask {
                    try await runCombiner(name: name, directory: directory, controllerPort: controllerPort)
                    return nil
                }
            }
            for (index, trainer) in trainers.enumerated() {
                group.addTask {
                    try await client(name: "client-\(index + 1)", trainer: trainer, directory: directory, controllerPort: controllerPort).run()
                    return nil
                }
            }
            let result = try await body()
            group.cancelAll()
            while let _ = try? await group.next() {}
            return result
        }
    }

    /// One combiner: serves clients on a loopback port and attaches to the controller.
    static func runCombiner(name: String, directory: String, controllerPort: Int) async throws {
        let configuration = CombinerConfiguration.defaults(
            name: name, listen: Endpoint(host: "127.0.0.1", port: 0), security: .insecure,
            home: URL(fileURLWithPath: directory + "/combiner-\(name)")
        ) {
            $0.liveness = LivenessPolicy(activeWindow: .seconds(5), offlineWindow: .seconds(20))
        }
        let combiner = try Combiner(configuration: configuration, logger: testLogger)
        let (ports, announce) = AsyncStream.makeStream(of: Int.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await combiner.serve(transport: try combiner.makeTransport()) { address in
                    announce.yield(Int(address.split(separator: ":").last ?? "") ?? 0)
                }
            }
            var iterator = ports.makeAsyncIterator()
            let port = await iterator.next() ?? 0
            var link = ControllerLink(
                combiner: combiner, controller: Endpoint(host: "127.0.0.1", port: controllerPort), security: .insecure,
                advertisedAddress: "127.0.0.1:\(port)", logger: testLogger
            )
            link.backoff = Backoff(initial: .milliseconds(100), maximum: .milliseconds(500))
            group.addTask { try await link.run() }
            try await group.next()
        }
    }

    static func client(name: String, trainer: any Trainer, directory: String, controllerPort: Int) -> EdgeClient {
        EdgeClient(
            configuration: .defaults(
                name: name, combiner: Endpoint(host: "127.0.0.1", port: controllerPort), security: .insecure,
                workDirectory: URL(fileURLWithPath: directory + "/edge/\(name)")
            ) {
                $0.controller = Endpoint(host: "127.0.0.1", port: controllerPort)
                $0.heartbeatInterval = .milliseconds(300)
                $0.backoff = Backoff(initial: .milliseconds(100), maximum: .milliseconds(500))
            },
            trainer: trainer,
            logger: testLogger
        )
    }
}

/// Shifts the model like `NoopTrainer`, after an optional pause, and keeps a copy of every update it sends.
struct RecordingTrainer: Trainer {
    let delta: Float
    let weight: Double
    let record: URL
    var pause: Duration = .zero

    var name: String { "recording" }

    func train(_ input: TrainerInput) async throws -> TrainingResult {
        if self.pause > .zero { try await Task.sleep(for: self.pause) }
        let result = try await NoopTrainer(delta: self.delta, numExamples: self.weight).train(input)
        try FileManager.default.createDirectory(at: self.record, withIntermediateDirectories: true)
        let copy = self.record.appendingPathComponent("\(UUID().uuidString).safetensors")
        try FileManager.default.copyItem(at: input.output, to: copy)
        return result
    }

    func validate(_ input: TrainerInput) async throws -> ValidationResult {
        ValidationResult(metrics: ["accuracy": Double(self.delta) * 10], numExamples: self.weight)
    }
}

/// The updates recorded under `directory`, by their SHA-256.
func recordedUpdates(in directory: URL) throws -> [ModelID: String] {
    var out: [ModelID: String] = [:]
    let enumerator = FileManager.default.enumerator(atPath: directory.path)
    while let relative = enumerator?.nextObject() as? String {
        guard relative.hasSuffix(".safetensors") else { continue }
        let path = directory.appendingPathComponent(relative).path
        out[try ModelID.ofFile(atPath: path)] = path
    }
    return out
}

func seedModel(elements: Int = 2_000, seed: UInt64 = 7) -> InMemoryModel {
    var generator = SeededGenerator(seed: seed)
    return RandomModel.make(
        [
            TensorDescriptor(name: "w", dtype: .f32, shape: [elements]),
            TensorDescriptor(name: "b", dtype: .f32, shape: [8]),
            TensorDescriptor(name: "steps", dtype: .i64, shape: []),
        ],
        using: &generator
    )
}

/// Polls `condition` every 100 ms until it holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws -> Bool {
    let clock = ContinuousClock()
    let end = clock.now + timeout
    while clock.now < end {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(100))
    }
    return try await condition()
}
