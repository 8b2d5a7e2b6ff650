import FedgeAPIClient
import FedgeAPIModels
import FedgeController
import FedgeCore
import FedgeDemo
import FedgeEdge
import FedgeProto
import FedgeRPC
import FedgeSecurity
import FedgeTensor
import FedgeTestSupport
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf
import Testing

/// The controller's gRPC handlers (`Attach`, `UploadPartial`, `AssignCombiner`) fed seeded mutations of valid
/// messages over mutual TLS, as an enrolled combiner and an enrolled client: every call works or is refused with a
/// status and a sentence (never `internal` or `unknown`), and afterwards the real federation's session commits, the
/// trail and the audit chain verify, and no partial is left behind. `FEDGE_FUZZ_ITERATIONS` (default 40) calls per
/// handler; `FEDGE_FUZZ_SEED` replays a run.
@Suite("The controller's handlers, fuzzed live", .serialized)
struct ControllerHandlerFuzzTests {
    static let iterations = Int(ProcessInfo.processInfo.environment["FEDGE_FUZZ_ITERATIONS"] ?? "") ?? 40
    static let seed = UInt64(ProcessInfo.processInfo.environment["FEDGE_FUZZ_SEED"] ?? "") ?? 7

    @Test func mutatedMessagesGetATypedAnswerAndChangeNothing() async throws {
        try await withTemporaryDirectory { dir in
            let trainers: [any Trainer] = (1...2).map { i in
                RecordingTrainer(
                    delta: Float(i) * 0.01,
                    weight: Double(i),
                    record: URL(fileURLWithPath: dir + "/recorded"),
                    pause: .zero
                )
            }
            let seedPath = dir + "/seed.safetensors"
            try SafetensorsWriter.write(seedModel(), to: seedPath)
            try await LiveController.with(directory: dir, uploadGrace: .seconds(2), logger: testLogger) { live in
                try await LiveFederation.with(
                    directory: dir,
                    controllerPort: live.grpcPort,
                    combiners: ["alpha"],
                    trainers: trainers,
                    enroll: live.enroll,
                    logger: testLogger,
                    combinersReady: { await live.controller.hub.attachments().count == 1 }
                ) {
                    try await APIClient.withClient(endpoint: .unixSocket(live.socket)) { api in
                        _ = try await api.uploadModel(from: seedPath, activate: true)
                        #expect(try await eventually { try await api.listClients(status: "online").total == 2 })
                        let combinerKit = try await live.enroll(.combiner, "fuzzc")
                        let clientKit = try await live.enroll(.client, "fuzzk")
                        let outcomes = try await Self.withController(live, kit: combinerKit, in: dir + "/fuzzc") {
                            asCombiner in
                            try await Self.withController(live, kit: clientKit, in: dir + "/fuzzk") { asClient in
                                await Self.fuzz(asCombiner: asCombiner, asClient: asClient)
                            }
                        }
                        #expect(outcomes.unexpected.isEmpty, "\(outcomes.unexpected.prefix(5))")
                        #expect(outcomes.calls == 3 * Self.iterations)
                        print("controller handler fuzz, seed \(Self.seed): \(outcomes.summary)")
                        // The federation is as it was: its session commits with both clients.
                        #expect(try await eventually { try await api.listCombiners(status: "online").total == 1 })
                        let session = try await api.createSession(
                            SessionConfigDTO(rounds: 2, roundTimeout: 20, validate: false)
                        )
                        #expect(try await eventually { try await api.session(session.id).hasEnded })
                        let rounds = try await api.sessionRounds(session.id).items
                        #expect(rounds.map(\.status) == ["committed", "committed"], "\(rounds.map(\.reason))")
                        #expect(rounds.allSatisfy { $0.received == 2 })
                        #expect(try await api.verifyTrail().problems.isEmpty)
                        let audit = try await api.verifyAuditTrail()
                        let broken = try await api.listEvents(limit: 1000).items.first { $0.id == audit.brokenAt }
                        #expect(audit.brokenAt == nil, "the audit chain breaks at \(String(describing: broken))")
                        let partials =
                            (try? FileManager.default.contentsOfDirectory(atPath: dir + "/controller/partials")) ?? []
                        #expect(partials.isEmpty, "\(partials)")
                    }
                }
            }
        }
    }

    /// The three handlers, `iterations` calls each, as the combiner `fuzzc` and the client `fuzzk`.
    static func fuzz(
        asCombiner: Fedge_V1_Controller.Client<HTTP2ClientTransport.Posix>,
        asClient: Fedge_V1_Controller.Client<HTTP2ClientTransport.Posix>
    ) async -> HandlerOutcomes {
        var generator = SeededGenerator(seed: Self.seed)
        var outcomes = HandlerOutcomes()
        for _ in 0..<Self.iterations {
            let request = ByteMutation.message(
                Fedge_V1_AssignRequest.with {
                    $0.clientName = "fuzzk"
                    $0.preferredCombiner = "alpha"
                },
                using: &generator
            )
            outcomes.record(
                "AssignCombiner",
                await HandlerOutcomes.outcome { _ = try await asClient.assignCombiner(request) }
            )
            let reports = (0...Int.random(in: 0...3, using: &generator)).map { index in
                ByteMutation.message(Self.report(index), using: &generator)
            }
            outcomes.record(
                "Attach",
                await HandlerOutcomes.outcome {
                    try await asCombiner.attach(options: Self.shortCall) { writer in
                        for report in reports { try await writer.write(report) }
                    } onResponse: { response in
                        for try await _ in response.messages {}
                    }
                }
            )
            let bytes = Data(
                (0..<Int.random(in: 1...4096, using: &generator)).map { _ in
                    UInt8.random(in: 0...255, using: &generator)
                }
            )
            let chunks: [Fedge_V1_PartialChunk] = [
                .with {
                    $0.header = .with {
                        $0.sessionID = "s-fuzz"
                        $0.round = 1
                        $0.combiner = "fuzzc"
                        $0.size = UInt64(bytes.count)
                    }
                },
                .with { $0.data = bytes },
                .with { $0.trailer = .with { $0.sha256 = String(repeating: "0", count: 64) } },
            ].map { Bool.random(using: &generator) ? $0 : ByteMutation.message($0, using: &generator) }
            outcomes.record(
                "UploadPartial",
                await HandlerOutcomes.outcome {
                    _ = try await asCombiner.uploadPartial(options: Self.shortCall) { writer in
                        for chunk in chunks { try await writer.write(chunk) }
                    }
                }
            )
        }
        return outcomes
    }

    /// A valid report of each kind a combiner sends.
    static func report(_ index: Int) -> Fedge_V1_CombinerReport {
        switch index % 7 {
        case 0:
            .with {
                $0.hello = .with {
                    $0.name = "fuzzc"
                    $0.address = "127.0.0.1:1"
                    $0.capacity = 10
                }
            }
        case 1:
            .with {
                $0.heartbeat = .with {
                    $0.clients = [
                        .with {
                            $0.name = "fuzzk"
                            $0.liveness = .online
                            $0.lastSeenUnixMillis = 1
                        }
                    ]
                }
            }
        case 2:
            .with {
                $0.progress = .with {
                    $0.sessionID = "s-fuzz"
                    $0.round = 1
                    $0.selected = 2
                }
            }
        case 3:
            .with {
                $0.outcome = .with {
                    $0.sessionID = "s-fuzz"
                    $0.round = 1
                    $0.succeeded = true
                }
            }
        case 4:
            .with {
                $0.validation = .with {
                    $0.sessionID = "s-fuzz"
                    $0.round = 1
                    $0.client = "fuzzk"
                }
            }
        case 5:
            .with {
                $0.trainingMetrics = .with {
                    $0.sessionID = "s-fuzz"
                    $0.client = "fuzzk"
                    $0.metrics = ["loss": 1]
                }
            }
        default:
            .with {
                $0.refusal = .with {
                    $0.actor = "x"
                    $0.action = "Connect"
                    $0.reason = "bad_token"
                }
            }
        }
    }

    /// A fuzzed call that the controller keeps open (an attached stream) ends after a second.
    static var shortCall: CallOptions {
        var options = CallOptions.defaults
        options.timeout = .seconds(1)
        return options
    }

    /// A gRPC client of the live controller with `kit`'s certificate and token.
    static func withController<R: Sendable>(
        _ live: LiveController,
        kit: Kit,
        in directory: String,
        _ body: (Fedge_V1_Controller.Client<HTTP2ClientTransport.Posix>) async throws -> R
    ) async throws -> R {
        let security = try kit.transportSecurity(materializingIn: URL(fileURLWithPath: directory))
        return try await withGRPCClient(
            transport: try HTTP2ClientTransport.Posix(
                target: .ipv4(address: "127.0.0.1", port: live.grpcPort),
                transportSecurity: security.client(),
                config: TransportTuning.client()
            ),
            interceptors: [BearerTokenInterceptor(token: kit.token)]
        ) { client in
            try await body(Fedge_V1_Controller.Client(wrapping: client))
        }
    }
}
