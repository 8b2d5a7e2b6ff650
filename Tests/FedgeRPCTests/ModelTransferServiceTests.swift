import FedgeCore
import FedgeProto
import FedgeRPC
import FedgeSecurity
import FedgeTensor
import FedgeTestSupport
import Foundation
import GRPCCore
import GRPCInProcessTransport
import Logging
import SwiftProtobuf
import Synchronization
import Testing

/// Models in a directory, by id.
struct DirectorySource: ModelSource {
    let files: [ModelID: String]

    func file(for id: ModelID) async -> (path: String, size: UInt64)? {
        guard let path = self.files[id] else { return nil }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.uint64Value ?? 0
        return (path, size)
    }
}

@Suite("The model-transfer service, in process")
struct ModelTransferServiceTests {
    @Test("Sends a model it has, verified end to end; refuses one it has not; counts what it sent")
    func downloads() async throws {
        try await withTemporaryDirectory { dir in
            let bytes = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let path = dir + "/model"
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let id = try ModelID.ofFile(atPath: path)
            let sent = Atomic<UInt64>(0)
            let admitted = Atomic<Int>(0)
            let unknown = ModelID(digestBytes: [UInt8](repeating: 9, count: 32))
            let secret = ModelID(digestBytes: [UInt8](repeating: 7, count: 32))
            let issuer = try await TokenIssuer(privateKeyPEM: TokenIssuer.makePrivateKeyPEM())
            let verifier = try await TokenVerifier(publicKeyPEM: issuer.publicKeyPEM)
            let token = try await issuer.issue(subject: "site-1", role: .client, ttl: TestTime.scaled(.seconds(60)))
                .token
            let service = ModelTransferService(
                source: DirectorySource(files: [id: path, secret: path]),
                origin: "the test server",
                permits: { caller, model in caller.name == "site-1" && model != secret },
                admission: { body in
                    admitted.add(1, ordering: .relaxed)
                    try await body()
                },
                sent: { sent.add($0, ordering: .relaxed) },
                logger: Logger(label: "test")
            )
            let transport = InProcessTransport()
            try await withThrowingDiscardingTaskGroup { group in
                let server = GRPCServer(
                    transport: transport.server,
                    services: [service],
                    interceptors: [AuthenticatingInterceptor(verifier: { verifier }, requireCertificate: false)]
                )
                group.addTask { try await server.serve() }
                try await withGRPCClient(
                    transport: transport.client,
                    interceptors: [BearerTokenInterceptor.perTask]
                ) { client in
                    let models = Fedge_V1_ModelTransfer.Client(wrapping: client)
                    // Without a token nothing is served.
                    do {
                        try await models.downloadModel(.with { $0.modelID = id.hex }) { response in
                            for try await _ in response.messages {}
                        }
                        Issue.record("a model was served to a caller without a token")
                    } catch {
                        #expect(RefusalError(error)?.refusal == .unauthenticated)
                    }
                    try await BearerTokenInterceptor.$taskToken.withValue(token) {
                        let received = try await models.downloadModel(.with { $0.modelID = id.hex }) { response in
                            try await ChunkedTransfer.receive(
                                response.messages,
                                spoolDirectory: dir + "/spool",
                                maxBytes: .max,
                                declaredSize: { (header: Fedge_V1_TransferHeader) in header.size },
                                destination: { _, _ in dir + "/copy" }
                            )
                        }
                        #expect(received.id == id)
                        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/copy")) == Data(bytes))
                        // Known by hash but not given to this caller: refused, and not a byte sent.
                        do {
                            try await models.downloadModel(.with { $0.modelID = secret.hex }) { response in
                                for try await _ in response.messages {}
                            }
                            Issue.record("a model the caller was not given was served")
                        } catch {
                            #expect(RefusalError(error)?.refusal == .permissionDenied)
                        }
                        do {
                            try await models.downloadModel(.with { $0.modelID = unknown.hex }) { response in
                                for try await _ in response.messages {}
                            }
                            Issue.record("an unknown model was served")
                        } catch {
                            #expect(RefusalError(error)?.refusal == .unknownModel)
                            #expect("\(error)".contains("the test server has no model"))
                        }
                    }
                }
                server.beginGracefulShutdown()
            }
            #expect(sent.load(ordering: .relaxed) == UInt64(bytes.count))
            #expect(admitted.load(ordering: .relaxed) == 1)
        }
    }
}
