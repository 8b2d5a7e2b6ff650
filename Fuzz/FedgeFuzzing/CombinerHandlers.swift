import Dispatch
import FedgeCombiner
import FedgeCore
import FedgeProto
import FedgeRPC
import FedgeSecurity
import FedgeTensor
import Foundation
import GRPCCore
import GRPCInProcessTransport
import Logging
import NIOConcurrencyHelpers
import SwiftProtobuf

/// The combiner's gRPC handlers that edge clients reach (`Connect`, `UploadUpdate`, `DownloadModel`), each input one
/// call through a live combiner in this process (grpc-swift's in-process transport, its authenticating
/// interceptor, real tokens), while rounds with a task for the fuzzer come and go.
///
/// An input is a call: its first byte picks the handler, then come its messages, each as a two-byte little-endian
/// length and the message's bytes (messages that do not decode are left out: decoding is the `protobuf` target's).
/// Placeholders reach the live round: an upload header whose task is `current` is sent for the fuzzer's open task,
/// and a download of model `current` asks for the round's model. The call must work or be refused with a status
/// other than `internal` or `unknown`; anything else traps, which libFuzzer records as a crasher.
final class CombinerHandlers: Sendable {
    private let combiner: Combiner
    private let client: GRPCClient<InProcessTransport.Client>
    /// The tokens the calls carry: `fuzzer` uploads (the client the rounds give tasks), `prober` connects (a second
    /// control stream under the fuzzer's name would take the place of the one its tasks arrive on).
    private let fuzzer: String
    private let prober: String
    private let model: ModelID
    private let task = NIOLockedValueBox<Fedge_V1_TaskAssignment?>(nil)

    enum Handler: UInt8, CaseIterable, Sendable {
        case connect, uploadUpdate, downloadModel
    }

    /// The one combiner every input is run against, started on first use.
    static let shared: CombinerHandlers = HandlerCall.node("combiner") { try await CombinerHandlers.start() }

    private init(
        combiner: Combiner,
        client: GRPCClient<InProcessTransport.Client>,
        fuzzer: String,
        prober: String,
        model: ModelID
    ) {
        self.combiner = combiner
        self.client = client
        self.fuzzer = fuzzer
        self.prober = prober
        self.model = model
    }

    /// Runs the call `bytes` describe, and traps on an answer no client should ever get.
    func run(_ bytes: [UInt8]) {
        HandlerCall.run(bytes, handlers: Handler.allCases) { handler, messages in try await self.call(handler, messages)
        }
    }

    private func call(_ handler: Handler, _ messages: [[UInt8]]) async throws {
        let options = HandlerCall.options
        switch handler {
        case .connect:
            let events = messages.compactMap { try? Fedge_V1_ClientEvent(serializedBytes: $0) }
            try await BearerTokenInterceptor.$taskToken.withValue(self.prober) {
                try await Fedge_V1_Combiner.Client(wrapping: self.client).connect(options: options) { writer in
                    for event in events { try await writer.write(event) }
                } onResponse: { response in
                    for try await _ in response.messages {}
                }
            }
        case .uploadUpdate:
            let task = self.task.withLockedValue { $0 }
            let chunks = messages.compactMap { try? Fedge_V1_UpdateChunk(serializedBytes: $0) }.map {
                chunk -> Fedge_V1_UpdateChunk in
                guard case .header(var header) = chunk.part, header.taskID == "current", let task else { return chunk }
                header.taskID = task.taskID
                header.sessionID = task.sessionID
                header.round = task.round
                return Fedge_V1_UpdateChunk.with { $0.header = header }
            }
            try await BearerTokenInterceptor.$taskToken.withValue(self.fuzzer) {
                try await Fedge_V1_Combiner.Client(wrapping: self.client).uploadUpdate(options: options) { writer in
                    for chunk in chunks { try await writer.write(chunk) }
                } onResponse: { response in
                    for try await _ in response.messages {}
                }
            }
        case .downloadModel:
            guard let first = messages.first, var request = try? Fedge_V1_ModelRequest(serializedBytes: first) else {
                return
            }
            if request.modelID == "current" { request.modelID = self.model.hex }
            try await BearerTokenInterceptor.$taskToken.withValue(self.fuzzer) {
                try await Fedge_V1_ModelTransfer.Client(wrapping: self.client).downloadModel(request, options: options)
                {
                    response in
                    for try await _ in response.messages {}
                }
            }
        }
    }

    /// One valid call of each kind, and an upload whose SHA-256 is wrong: libFuzzer mutates from there.
    static func seeds() throws -> [String: [UInt8]] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fedge-fuzz-seed-\(getpid())").path
        defer { unlink(path) }
        try SafetensorsWriter.write(Self.model(0.25), to: path)
        let update = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let sha256 = try SafetensorsFile(path: path).computeModelID().hex
        let header = Fedge_V1_UpdateChunk.with {
            $0.header = .with {
                $0.taskID = "current"
                $0.client = "fuzzer"
                $0.numExamples = 3
                $0.size = UInt64(update.count)
            }
        }
        let half = update.count / 2
        let pieces = [update[..<half], update[half...]].map { piece in
            Fedge_V1_UpdateChunk.with { $0.data = Data(piece) }
        }
        func trailer(_ sha256: String) -> Fedge_V1_UpdateChunk { .with { $0.trailer = .with { $0.sha256 = sha256 } } }
        let events: [Fedge_V1_ClientEvent] = [
            .with {
                $0.hello = .with {
                    $0.name = "prober"
                    $0.trainers = ["noop"]
                }
            },
            .with { $0.heartbeat = .with { $0.telemetry = .with { $0.cores = 2 } } },
            .with {
                $0.status = .with {
                    $0.taskID = "t-1"
                    $0.state = .running
                }
            },
            .with {
                $0.metrics = .with {
                    $0.taskID = "t-1"
                    $0.values = ["loss": 0.5]
                }
            },
        ]
        return [
            "connect.bin": try HandlerCall.input(Handler.connect.rawValue, events),
            "upload.bin": try HandlerCall.input(Handler.uploadUpdate.rawValue, [header] + pieces + [trailer(sha256)]),
            "upload-wrong-sha256.bin": try HandlerCall.input(
                Handler.uploadUpdate.rawValue,
                [header] + pieces + [trailer(String(repeating: "0", count: 64))]
            ),
            "download.bin": try HandlerCall.input(
                Handler.downloadModel.rawValue,
                [Fedge_V1_ModelRequest.with { $0.modelID = "current" }]
            ),
        ]
    }

    // MARK: - The live combiner

    /// The model the rounds train: small, so that a seed can carry a whole valid update.
    static let layout = [
        TensorDescriptor(name: "w", dtype: .f32, shape: [16]),
        TensorDescriptor(name: "b", dtype: .f32, shape: [4]),
    ]

    /// The model's values, or an update's (every value `value`).
    static func model(_ value: Float) -> InMemoryModel {
        InMemoryModel(
            tensors: Self.layout,
            data: Self.layout.map { descriptor in
                (0..<descriptor.elementCount).flatMap { _ in
                    withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init)
                }
            }
        )
    }

    private static func start() async throws -> CombinerHandlers {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("fedge-fuzz-combiner-\(getpid())")
        try? FileManager.default.removeItem(at: home)
        var logger = Logger(label: "fedge.fuzz")
        logger.logLevel = .critical
        let configuration = CombinerConfiguration.defaults(
            name: "fuzz",
            listen: Endpoint(host: "127.0.0.1", port: 0),
            security: .insecure,
            home: home.appendingPathComponent("combiner")
        )
        let combiner = try Combiner(configuration: configuration, logger: logger)
        let issuer = try await TokenIssuer(privateKeyPEM: TokenIssuer.makePrivateKeyPEM())
        try await combiner.verifier.update(publicKeyPEM: issuer.publicKeyPEM, revoked: [])
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        let seed = home.appendingPathComponent("seed.safetensors").path
        try SafetensorsWriter.write(Self.model(0.5), to: seed)
        let model = try combiner.runner.models.importModel(at: seed)
        let transport = InProcessTransport()
        let client = GRPCClient(transport: transport.client, interceptors: [BearerTokenInterceptor.perTask])
        let handlers = CombinerHandlers(
            combiner: combiner,
            client: client,
            fuzzer: try await issuer.issue(subject: "fuzzer", role: .client, ttl: .seconds(86_400 * 30)).token,
            prober: try await issuer.issue(subject: "prober", role: .client, ttl: .seconds(86_400 * 30)).token,
            model: model
        )
        Task { try await combiner.serve(transport: transport.server) }
        Task { try await client.runConnections() }
        Task { await handlers.takeTasks() }
        Task { await handlers.runRounds() }
        // The first round's task, so that the first inputs already reach an open task.
        while handlers.task.withLockedValue({ $0 == nil }) { try await Task.sleep(for: .milliseconds(10)) }
        return handlers
    }

    /// The fuzzer's control stream: keeps the task each round gives it (redialled if it ends).
    private func takeTasks() async {
        while true {
            try? await BearerTokenInterceptor.$taskToken.withValue(self.fuzzer) {
                try await Fedge_V1_Combiner.Client(wrapping: self.client).connect { writer in
                    try await writer.write(.with { $0.hello = .with { $0.name = "fuzzer" } })
                    while true { try await Task.sleep(for: .seconds(3600)) }
                } onResponse: { response in
                    for try await event in response.messages {
                        if case .task(let task) = event.event { self.task.withLockedValue { $0 = task } }
                    }
                }
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Rounds of 2 s, one after another: an upload lands in an open round, a closed one, or one that closed it.
    private func runRounds() async {
        for round in 1... {
            let plan = RoundPlan(
                session: "fuzz",
                round: round,
                model: self.model,
                modelSize: self.combiner.runner.models.size(of: self.model),
                deadline: Date().addingTimeInterval(2),
                minUpdates: 1
            )
            _ = try? await self.combiner.runner.execute(plan)
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}
