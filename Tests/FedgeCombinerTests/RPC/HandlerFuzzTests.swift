import FedgeAggregation
import FedgeCombiner
import FedgeCore
import FedgeEdge
import FedgeProto
import FedgeRPC
import FedgeTensor
import FedgeTestSupport
import Foundation
import GRPCCore
import SwiftProtobuf
import Testing

/// The combiner's gRPC handlers (`Connect`, `UploadUpdate`, `DownloadModel`) fed seeded mutations of valid
/// messages through a live combiner: every call either works or is refused with a status and a sentence (never
/// `internal` or `unknown`), nothing is left in the spool, the real client stays connected and its round commits.
/// `FEDGE_FUZZ_ITERATIONS` (default 60) calls per handler; `FEDGE_FUZZ_SEED` replays a run.
@Suite("The combiner's handlers, fuzzed in process")
struct HandlerFuzzTests {
    static let iterations = Int(ProcessInfo.processInfo.environment["FEDGE_FUZZ_ITERATIONS"] ?? "") ?? 60
    static let seed = UInt64(ProcessInfo.processInfo.environment["FEDGE_FUZZ_SEED"] ?? "") ?? 7

    @Test func mutatedMessagesGetATypedAnswerAndChangeNothing() async throws {
        try await Federation.with(trainers: [NoopTrainer(delta: 0.5, numExamples: 3)]) { federation in
            let model = try federation.importModel(seedModel())
            try await federation.waitForClients(1)
            let combiner = Fedge_V1_Combiner.Client(wrapping: federation.client)
            let models = Fedge_V1_ModelTransfer.Client(wrapping: federation.client)
            let outcomes = try await RawClient.with("fuzzer", over: federation) { fuzzer in
                var generator = SeededGenerator(seed: Self.seed)
                var outcomes = HandlerOutcomes()
                try await federation.waitForClients(2)
                async let round = federation.combiner.runner.execute(federation.plan(model, timeout: 30))
                let task = try await fuzzer.nextTask()
                let update = try update(of: federation, task, delta: 0.25)
                let path = federation.home.appendingPathComponent("fuzz-update.safetensors").path
                try SafetensorsWriter.write(update, to: path)
                let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
                let sha256 = try SafetensorsFile(path: path).computeModelID().hex
                let prober = try await federation.identities.token("prober")
                let header = Fedge_V1_UpdateHeader.with {
                    $0.taskID = task.taskID
                    $0.sessionID = task.sessionID
                    $0.round = task.round
                    $0.client = "fuzzer"
                    $0.numExamples = 2
                    $0.size = UInt64(bytes.count)
                }
                try await BearerTokenInterceptor.$taskToken.withValue(fuzzer.token) {
                    for _ in 0..<Self.iterations {
                        let events = (0...Int.random(in: 0...2, using: &generator)).map { index in
                            ByteMutation.message(Self.clientEvent(index), using: &generator)
                        }
                        // Under a name of its own: a second stream under the fuzzer's would take its place.
                        outcomes.record(
                            "Connect",
                            await BearerTokenInterceptor.$taskToken.withValue(prober) {
                                await HandlerOutcomes.outcome {
                                    try await combiner.connect { writer in
                                        for event in events { try await writer.write(event) }
                                    } onResponse: { response in
                                        for try await _ in response.messages {}
                                    }
                                }
                            }
                        )
                        let request = ByteMutation.message(
                            Fedge_V1_ModelRequest.with {
                                $0.modelID = task.modelID
                                $0.offset = UInt64.random(in: 0...2_000, using: &generator)
                            },
                            using: &generator
                        )
                        outcomes.record(
                            "DownloadModel",
                            await HandlerOutcomes.outcome {
                                try await models.downloadModel(request) { response in
                                    for try await _ in response.messages {}
                                }
                            }
                        )
                        let chunks = Self.uploadChunks(header: header, bytes: bytes, sha256: sha256, using: &generator)
                        outcomes.record(
                            "UploadUpdate",
                            await HandlerOutcomes.outcome {
                                try await combiner.uploadUpdate { writer in
                                    for chunk in chunks { try await writer.write(chunk) }
                                } onResponse: { response in
                                    for try await _ in response.messages {}
                                }
                            }
                        )
                    }
                }
                let result = try await round
                #expect(result.succeeded, "\(result)")
                #expect(result.partial?.contributions.contains { $0.client == "client-1" } == true)
                return outcomes
            }
            #expect(outcomes.unexpected.isEmpty, "\(outcomes.unexpected.prefix(5))")
            #expect(outcomes.calls == 3 * Self.iterations)
            #expect(federation.spoolLeftovers().isEmpty, "\(federation.spoolLeftovers())")
            let clients = await federation.combiner.registry.snapshots()
            #expect(clients.first { $0.name == "client-1" }?.connected == true)
            print("handler fuzz, seed \(Self.seed): \(outcomes.summary)")
        }
    }

    /// A valid event of each kind a client sends: hello, heartbeat, status, log line, metrics.
    static func clientEvent(_ index: Int) -> Fedge_V1_ClientEvent {
        switch index % 5 {
        case 0:
            .with {
                $0.hello = .with {
                    $0.name = "prober"
                    $0.trainers = ["noop"]
                    $0.labels = ["site": "a"]
                }
            }
        case 1:
            .with {
                $0.heartbeat = .with {
                    $0.telemetry = .with {
                        $0.cpuPercent = 12
                        $0.cores = 2
                    }
                }
            }
        case 2:
            .with {
                $0.status = .with {
                    $0.taskID = "t-1"
                    $0.state = .running
                    $0.message = "training"
                }
            }
        case 3:
            .with {
                $0.log = .with {
                    $0.taskID = "t-1"
                    $0.stream = "stdout"
                    $0.line = "epoch 1"
                }
            }
        default:
            .with {
                $0.metrics = .with {
                    $0.taskID = "t-1"
                    $0.values = ["loss": 0.5]
                }
            }
        }
    }

    /// An upload's messages: the header (mutated), one to three pieces of the file and a trailer with its SHA-256
    /// (each perhaps mutated); one message is perhaps left out.
    static func uploadChunks(
        header: Fedge_V1_UpdateHeader,
        bytes: Data,
        sha256: String,
        using generator: inout SeededGenerator
    ) -> [Fedge_V1_UpdateChunk] {
        var chunks: [Fedge_V1_UpdateChunk] = [.with { $0.header = header }]
        let pieces = Int.random(in: 1...3, using: &generator)
        let size = bytes.count / pieces + 1
        for start in stride(from: 0, to: bytes.count, by: size) {
            chunks.append(.with { $0.data = bytes[start..<min(start + size, bytes.count)] })
        }
        chunks.append(.with { $0.trailer = .with { $0.sha256 = sha256 } })
        // The header always (a valid upload would close the task and leave the rest refused at the door).
        chunks = chunks.enumerated().map { index, chunk in
            index > 0 && Bool.random(using: &generator)
                ? chunk : ByteMutation.message(chunk, using: &generator)
        }
        if Int.random(in: 0..<4, using: &generator) == 0 {
            chunks.remove(at: Int.random(in: 0..<chunks.count, using: &generator))
        }
        return chunks
    }
}
