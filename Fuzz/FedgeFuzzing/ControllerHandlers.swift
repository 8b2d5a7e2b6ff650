import FedgeController
import FedgeCore
import FedgeProto
import FedgeRPC
import FedgeSecurity
import Foundation
import GRPCCore
import GRPCInProcessTransport
import Logging
import SwiftProtobuf

/// The controller's gRPC handlers (`Attach`, `UploadPartial` as an enrolled combiner, `AssignCombiner` as an enrolled
/// client), each input one call through a live controller in this process: SQLite state, the audit chain, real
/// tokens checked by its authenticating interceptor, over grpc-swift's in-process transport (no certificates, the
/// one difference from a daemon). Inputs are read as `HandlerCall` says.
final class ControllerHandlers: Sendable {
    private let client: GRPCClient<InProcessTransport.Client>
    private let combiner: String
    private let edge: String

    enum Handler: UInt8, CaseIterable, Sendable {
        case attach, uploadPartial, assignCombiner
    }

    /// The one controller every input is run against, started on first use.
    static let shared: ControllerHandlers = HandlerCall.node("controller") { try await ControllerHandlers.start() }

    private init(client: GRPCClient<InProcessTransport.Client>, combiner: String, edge: String) {
        self.client = client
        self.combiner = combiner
        self.edge = edge
    }

    /// Runs the call `bytes` describe, and traps on an answer no node should ever get.
    func run(_ bytes: [UInt8]) {
        HandlerCall.run(bytes, handlers: Handler.allCases) { handler, messages in try await self.call(handler, messages)
        }
    }

    private func call(_ handler: Handler, _ messages: [[UInt8]]) async throws {
        let controller = Fedge_V1_Controller.Client(wrapping: self.client)
        switch handler {
        case .attach:
            let reports = messages.compactMap { try? Fedge_V1_CombinerReport(serializedBytes: $0) }
            try await BearerTokenInterceptor.$taskToken.withValue(self.combiner) {
                try await controller.attach(options: HandlerCall.options) { writer in
                    for report in reports { try await writer.write(report) }
                } onResponse: { response in
                    for try await _ in response.messages {}
                }
            }
        case .uploadPartial:
            let chunks = messages.compactMap { try? Fedge_V1_PartialChunk(serializedBytes: $0) }
            try await BearerTokenInterceptor.$taskToken.withValue(self.combiner) {
                _ = try await controller.uploadPartial(options: HandlerCall.options) { writer in
                    for chunk in chunks { try await writer.write(chunk) }
                }
            }
        case .assignCombiner:
            guard let first = messages.first, let request = try? Fedge_V1_AssignRequest(serializedBytes: first) else {
                return
            }
            try await BearerTokenInterceptor.$taskToken.withValue(self.edge) {
                _ = try await controller.assignCombiner(request, options: HandlerCall.options)
            }
        }
    }

    /// A valid call of each kind: libFuzzer mutates from there.
    static func seeds() throws -> [String: [UInt8]] {
        let reports: [Fedge_V1_CombinerReport] = [
            .with {
                $0.hello = .with {
                    $0.name = "fuzzc"
                    $0.address = "127.0.0.1:7001"
                    $0.capacity = 100
                }
            },
            .with {
                $0.heartbeat = .with {
                    $0.clients = [
                        .with {
                            $0.clientID = "c-1"
                            $0.name = "edge-1"
                            $0.liveness = .online
                            $0.tasksDone = 2
                        }
                    ]
                    $0.telemetry = .with { $0.cores = 2 }
                }
            },
            .with {
                $0.progress = .with {
                    $0.sessionID = "s-fuzz"
                    $0.round = 1
                    $0.selected = 2
                    $0.refusedByReason = ["stale_round": 1]
                }
            },
            .with {
                $0.outcome = .with {
                    $0.sessionID = "s-fuzz"
                    $0.round = 1
                    $0.succeeded = false
                    $0.reason = "deadline passed"
                }
            },
            .with {
                $0.trainingMetrics = .with {
                    $0.sessionID = "s-fuzz"
                    $0.round = 1
                    $0.client = "edge-1"
                    $0.metrics = ["loss": 0.5]
                    $0.numExamples = 10
                }
            },
            .with {
                $0.refusal = .with {
                    $0.actor = "edge-2"
                    $0.action = "fedge.v1.Combiner/Connect"
                    $0.reason = "unauthenticated"
                    $0.message = "no token"
                }
            },
        ]
        let partial: [Fedge_V1_PartialChunk] = [
            .with {
                $0.header = .with {
                    $0.sessionID = "s-fuzz"
                    $0.round = 1
                    $0.combiner = "fuzzc"
                    $0.size = 4
                }
            },
            .with { $0.data = Data([1, 2, 3, 4]) },
            .with { $0.trailer = .with { $0.sha256 = String(repeating: "0", count: 64) } },
        ]
        return [
            "attach.bin": try HandlerCall.input(Handler.attach.rawValue, reports),
            "upload-partial.bin": try HandlerCall.input(Handler.uploadPartial.rawValue, partial),
            "assign.bin": try HandlerCall.input(
                Handler.assignCombiner.rawValue,
                [Fedge_V1_AssignRequest.with { $0.clientName = "fuzzk" }]
            ),
        ]
    }

    private static func start() async throws -> ControllerHandlers {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("fedge-fuzz-controller-\(getpid())")
        try? FileManager.default.removeItem(at: home)
        var logger = Logger(label: "fedge.fuzz")
        logger.logLevel = .critical
        let keys = try await SecurityKeys.ensure(in: home.appendingPathComponent("pki"))
        let configuration = ControllerConfiguration(
            directory: home.appendingPathComponent("controller"),
            grpcListen: Endpoint(host: "127.0.0.1", port: 0),
            grpcSecurity: .insecure,
            httpListeners: [],
            keys: keys
        )
        let controller = try Controller(configuration: configuration, logger: logger)
        try await controller.loadRevocations()
        let admin = Identity(name: "fuzz", role: .admin)
        func token(_ role: Role, _ name: String) async throws -> String {
            try await controller.enroll(
                role: role,
                name: name,
                hosts: [],
                ttl: .seconds(86_400 * 30),
                controllerAddress: nil,
                by: admin
            ).kit.token
        }
        let transport = InProcessTransport()
        let server = GRPCServer(
            transport: transport.server,
            services: [controller.service, controller.modelTransfer],
            interceptors: [
                AuthenticatingInterceptor(
                    verifier: { [verifier = keys.verifier] in verifier },
                    requireCertificate: false,
                    refused: { error, method, address, claimed in
                        await controller.recordRefusal(error, action: method, address: address, claimed: claimed)
                    }
                )
            ]
        )
        let client = GRPCClient(transport: transport.client, interceptors: [BearerTokenInterceptor.perTask])
        let handlers = ControllerHandlers(
            client: client,
            combiner: try await token(.combiner, "fuzzc"),
            edge: try await token(.client, "fuzzk")
        )
        Task { try await server.serve() }
        Task { try await client.runConnections() }
        return handlers
    }
}
