import FedgeAPIClient
import FedgeAPIModels
import FedgeCore
import FedgeDemo
import FedgeServerKit
import FedgeTensor
import FedgeTestSupport
import Foundation
import Testing

@Suite("REST API over the control socket and TCP")
struct RESTTests {
    @Test func sameRoutesOnTheSocketAndOnTCPWithAToken() async throws {
        try await withTemporaryDirectory { dir in
            let seedPath = dir + "/seed.safetensors"
            let seed = try SafetensorsWriter.write(seedModel(), to: seedPath)
            try await LiveController.with(directory: dir, logger: testLogger) { live in
                // The socket is the operator's door on this host: mode 0600 in a 0700 directory.
                func mode(_ path: String) throws -> Int {
                    try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
                }
                #expect(try mode(live.socket) == 0o600)
                #expect(try mode(dir + "/run") == 0o700)

                try await APIClient.withClient(endpoint: .unixSocket(live.socket)) { socket in
                    try await APIClient.withClient(endpoint: try .url(live.httpURL, token: live.token)) { tcp in
                        #expect(try await socket.health().role == "controller")
                        let uploaded = try await socket.uploadModel(from: seedPath, activate: true)
                        #expect(uploaded.id == seed.hex && uploaded.active && uploaded.parent == nil)
                        // The same state through both doors.
                        #expect(try await tcp.activeModel().id == seed.hex)
                        #expect(try await tcp.model(String(seed.hex.prefix(8))).id == seed.hex)
                        #expect(try await tcp.listModels().items.map(\.id) == [seed.hex])
                        let session = try await tcp.createSession(
                            SessionConfigDTO(aggregator: "fedadam", rounds: 2, clientSettings: ["epochs": .number(2)])
                        )
                        let shown = try await socket.session(session.id)
                        #expect(shown.config.aggregator == "fedadam")
                        #expect(shown.config.roundTimeout == 180)
                        #expect(shown.config.clientSettings?["epochs"] == .number(2))
                        #expect(shown.config.modelId == seed.hex)
                        let stopped = try await socket.stopSession(session.id)
                        #expect(stopped.status == "stopped")
                        let resumed = try await tcp.startSession(session.id)
                        #expect(resumed.status == "queued")
                        _ = try await tcp.stopSession(session.id)
                        let metrics = try await tcp.prometheusMetrics()
                        #expect(metrics.contains("fedge_sessions{status=\"stopped\"} 1"))

                        let downloaded = dir + "/downloaded.safetensors"
                        try await tcp.downloadModel(seed.hex, to: downloaded)
                        #expect(try ModelID.ofFile(atPath: downloaded) == seed)
                        let kinds = try await socket.listEvents().items.map(\.kind)
                        #expect(
                            kinds.contains("model.uploaded") && kinds.contains("session.created")
                                && kinds.contains("session.stopped")
                        )
                    }
                }

                // Without the token, TCP refuses with a sentence; /health stays open for probes.
                try await APIClient.withClient(endpoint: try .url(live.httpURL)) {
                    (anonymous: APIClient) async throws -> Void in
                    #expect(try await anonymous.health().status == "ok")
                    let error = await #expect(throws: APIClientError.self) { try await anonymous.listSessions() }
                    #expect(error?.status == 401)
                    #expect("\(error!)".contains("token"))
                }
                try await APIClient.withClient(endpoint: try .url(live.httpURL, token: "wrong")) {
                    (wrong: APIClient) async throws -> Void in
                    let error = await #expect(throws: APIClientError.self) { try await wrong.listSessions() }
                    #expect(error?.status == 401)
                }
            }
        }
    }

    @Test(.enabled(if: ExternalTools.hasOpenSSL, "needs openssl to make test certificates"))
    func httpsOnTCP() async throws {
        try await withTemporaryDirectory { dir in
            let certificates = try TestCertificates.make(in: dir)
            let tls = TLSFiles(certificate: certificates.serverCertificate, privateKey: certificates.serverKey)
            try await LiveController.with(directory: dir, tls: tls, logger: testLogger) { live in
                #expect(live.httpURL.hasPrefix("https://"))
                try await APIClient.withClient(
                    endpoint: try .url(live.httpURL, token: live.token, trustRoots: certificates.caCertificate)
                ) {
                    (api: APIClient) async throws -> Void in
                    #expect(try await api.health().status == "ok")
                    #expect(try await api.listSessions().total == 0)
                }
                // A client that does not trust the controller's CA does not get through.
                try await APIClient.withClient(endpoint: try .url(live.httpURL, token: live.token)) {
                    (untrusting: APIClient) async throws -> Void in
                    await #expect(throws: APIClientError.self) { try await untrusting.listSessions() }
                }
            }
        }
    }

    @Test func liveEventsArriveOnTheStream() async throws {
        try await withTemporaryDirectory { dir in
            try await LiveController.with(directory: dir, logger: testLogger) { live in
                try await APIClient.withClient(endpoint: .unixSocket(live.socket)) { api in
                    try SafetensorsWriter.write(seedModel(), to: dir + "/seed.safetensors")
                    let received = try await withThrowingTaskGroup(of: [EventDTO].self) { group in
                        group.addTask {
                            var seen: [EventDTO] = []
                            for try await event in api.events() {
                                seen.append(event)
                                if event.kind == "model.activated" { break }
                            }
                            return seen
                        }
                        // Give the stream a moment to subscribe, then cause two events.
                        try await Task.sleep(for: .milliseconds(300))
                        _ = try await api.uploadModel(from: dir + "/seed.safetensors", activate: true)
                        let seen = try await group.next() ?? []
                        group.cancelAll()
                        return seen
                    }
                    #expect(received.map(\.kind) == ["model.uploaded", "model.activated"])
                    #expect(received.allSatisfy { $0.id > 0 && $0.hash.count == 64 })
                }
            }
        }
    }
}
