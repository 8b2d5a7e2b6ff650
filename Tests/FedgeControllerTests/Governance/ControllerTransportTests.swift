import FedgeAPIClient
import FedgeAPIModels
import FedgeController
import FedgeCore
import FedgeDemo
import FedgeProto
import FedgeRPC
import FedgeSecurity
import FedgeTestSupport
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf
import Testing

/// The controller's gRPC port over real loopback sockets: mutual TLS is required, the token names the caller, and
/// a node acts only under its own name.
@Suite("The controller's gRPC port: TLS, certificates and names")
struct ControllerTransportTests {
    /// What a unary AssignCombiner call as `name` answered: the refusal, or `nil` when the call got through.
    static func assign(
        port: Int,
        security: TransportSecurity,
        token: String?,
        as name: String
    ) async -> RefusalError? {
        do {
            let transport = try HTTP2ClientTransport.Posix(
                target: .ipv4(address: "127.0.0.1", port: port),
                transportSecurity: security.client()
            )
            _ = try await withGRPCClient(
                transport: transport,
                interceptors: token.map { [BearerTokenInterceptor(token: $0)] } ?? []
            ) { client in
                try await Fedge_V1_Controller.Client(wrapping: client).assignCombiner(
                    .with { $0.clientName = name },
                    options: {
                        var options = CallOptions.defaults
                        options.timeout = TestTime.scaled(.seconds(10))
                        return options
                    }()
                )
            }
            return nil
        } catch {
            return RefusalError(error) ?? RefusalError(.incomplete, "\(error)")
        }
    }

    @Test(
        "Plaintext and certificate-less calls are refused; with its kit a client gets through only under its own name; a combiner's partial under another name is refused and nothing is kept"
    )
    func transportAndNames() async throws {
        try await withTemporaryDirectory { dir in
            try await LiveController.with(directory: dir, logger: testLogger) { live in
                let clientKit = try await live.enroll(.client, "site-1")
                // Configured on port 0, the controller writes the port it really listens on into kits.
                #expect(clientKit.controller == "127.0.0.1:\(live.grpcPort)")
                let withCertificate = try clientKit.transportSecurity(
                    materializingIn: URL(fileURLWithPath: dir + "/site-1")
                )
                guard case .tls(let files) = withCertificate else {
                    Issue.record("a kit dials with TLS")
                    return
                }
                let withoutCertificate = TransportSecurity.tls(.init(trustRoots: files.trustRoots))

                let plaintext = await Self.assign(
                    port: live.grpcPort,
                    security: .insecure,
                    token: clientKit.token,
                    as: "site-1"
                )
                #expect(plaintext != nil && plaintext?.refusal != .permissionDenied, "\(String(describing: plaintext))")
                let noCertificate = await Self.assign(
                    port: live.grpcPort,
                    security: withoutCertificate,
                    token: clientKit.token,
                    as: "site-1"
                )
                #expect(noCertificate != nil, "mutual TLS: a caller without a certificate is refused")

                // Through: with no combiner attached the controller answers that, which proves the call was taken.
                let own = await Self.assign(
                    port: live.grpcPort,
                    security: withCertificate,
                    token: clientKit.token,
                    as: "site-1"
                )
                #expect(own?.message.contains("no combiner is attached") == true, "\(String(describing: own))")
                let other = await Self.assign(
                    port: live.grpcPort,
                    security: withCertificate,
                    token: clientKit.token,
                    as: "site-2"
                )
                #expect(other?.refusal == .permissionDenied, "\(String(describing: other))")
                let noToken = await Self.assign(
                    port: live.grpcPort,
                    security: withCertificate,
                    token: nil,
                    as: "site-1"
                )
                #expect(noToken?.refusal == .unauthenticated, "\(String(describing: noToken))")

                // A combiner's partial: under another combiner's name, or for a round not waiting for it.
                let combinerKit = try await live.enroll(.combiner, "alpha")
                let combinerSecurity = try combinerKit.transportSecurity(
                    materializingIn: URL(fileURLWithPath: dir + "/alpha")
                )
                let partial = dir + "/partial.bin"
                try Data(repeating: 1, count: 4096).write(to: URL(fileURLWithPath: partial))
                func upload(as combiner: String) async -> RefusalError? {
                    do {
                        let transport = try HTTP2ClientTransport.Posix(
                            target: .ipv4(address: "127.0.0.1", port: live.grpcPort),
                            transportSecurity: combinerSecurity.client()
                        )
                        _ = try await withGRPCClient(
                            transport: transport,
                            interceptors: [BearerTokenInterceptor(token: combinerKit.token)]
                        ) { client in
                            try await Fedge_V1_Controller.Client(wrapping: client).uploadPartial { writer in
                                try await ChunkedTransfer.send(
                                    file: partial,
                                    header: Fedge_V1_PartialHeader.with {
                                        $0.sessionID = "s-none"
                                        $0.round = 1
                                        $0.combiner = combiner
                                        $0.size = 4096
                                    },
                                    as: Fedge_V1_PartialChunk.self
                                ) { try await writer.write($0) }
                            }
                        }
                        return nil
                    } catch {
                        return RefusalError(error) ?? RefusalError(.incomplete, "\(error)")
                    }
                }
                #expect(await upload(as: "beta")?.refusal == .permissionDenied)
                #expect(await upload(as: "alpha")?.refusal == .staleRound)
                let partials = live.controller.configuration.orchestration.partialsDirectory.path
                let left = (try? FileManager.default.contentsOfDirectory(atPath: partials)) ?? []
                #expect(left.filter { !$0.hasPrefix(".") }.isEmpty, "\(left)")

                // The refusals are in the audit trail under the names the tokens carry.
                await live.controller.auditTrail.flushRefusals(all: true)
                try await APIClient.withClient(endpoint: .unixSocket(live.socket)) { api in
                    let refused = try await api.listEvents(outcome: "refused").items
                    #expect(refused.contains { $0.actor == "site-1" && $0.message.contains("site-2") }, "\(refused)")
                    #expect(refused.contains { $0.actor == "alpha" && $0.message.contains("beta") }, "\(refused)")
                    #expect(try await api.verifyAuditTrail().brokenAt == nil)
                }
            }
        }
    }
}
