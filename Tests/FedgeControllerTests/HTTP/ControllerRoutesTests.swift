import FedgeAPIModels
import FedgeController
import FedgeStore
import FedgeTensor
import FedgeTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOFoundationCompat
import Testing

/// The controller's routes in process, through HummingbirdTesting's router client: no socket.
@Suite("Controller routes, in process")
struct ControllerRoutesTests {
    /// Runs `body` against the routes of a controller with an in-memory database, as the control socket builds
    /// them (callers are admin), or as the TCP listener does (callers need a token).
    static func withRoutes(
        controlSocket: Bool = true,
        _ body: @Sendable (any TestClientProtocol, Controller, String) async throws -> Void
    ) async throws {
        try await withTemporaryDirectory { dir in
            let controller = try await makeController(in: dir)
            let app = Application(router: ControllerAPI(controller: controller).router(controlSocket: controlSocket))
            try await app.test(.router) { client in try await body(client, controller, dir) }
        }
    }

    static func json(_ value: some Encodable) throws -> ByteBuffer {
        ByteBuffer(data: try API.makeEncoder().encode(value))
    }

    static func errorCode(_ response: TestResponse) throws -> String {
        try JSONDecoder().decode(APIErrorBody.self, from: Data(buffer: response.body)).error.code
    }

    @Test("Bad requests get a typed error and change nothing")
    func badRequestsChangeNothing() async throws {
        try await Self.withRoutes { client, controller, dir in
            // No active model yet.
            var response = try await client.execute(
                uri: API.sessions,
                method: .post,
                body: try Self.json(SessionConfigDTO())
            )
            #expect(response.status == .conflict)
            #expect(String(buffer: response.body).contains("fedge model upload"))

            try SafetensorsWriter.write(seedModel(), to: dir + "/seed.safetensors")
            let seed = try Data(contentsOf: URL(fileURLWithPath: dir + "/seed.safetensors"))
            response = try await client.execute(
                uri: API.models + "?activate=true",
                method: .post,
                body: ByteBuffer(data: seed)
            )
            #expect(response.status == .created)

            for (config, field) in [
                (SessionConfigDTO(aggregator: "fedfoo"), "fedfoo"),
                (SessionConfigDTO(rounds: 0), "rounds"),
                (SessionConfigDTO(roundTimeout: -1), "round_timeout"),
                (SessionConfigDTO(clientsRequired: 5, requestedClients: 2), "requested_clients"),
                (SessionConfigDTO(aggregator: "fedadam", aggregatorParams: ["eta": -1]), "eta"),
            ] {
                response = try await client.execute(uri: API.sessions, method: .post, body: try Self.json(config))
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains(field))
            }
            response = try await client.execute(uri: API.sessions, method: .post, body: ByteBuffer(string: "{not json"))
            #expect(response.status == .badRequest)
            #expect(try await client.execute(uri: API.session("s-nope"), method: .get).status == .notFound)
            #expect(try await client.execute(uri: API.model("abc"), method: .get).status == .notFound)
            response = try await client.execute(
                uri: API.activeModel,
                method: .put,
                body: try Self.json(ActivateModelRequest(model: "00000000"))
            )
            #expect(response.status == .notFound)
            #expect(try Self.errorCode(response) == "not_found")
            // Not a model: refused, and nothing joined the trail.
            response = try await client.execute(uri: API.models, method: .post, body: ByteBuffer(string: "not a model"))
            #expect(response.status == .badRequest)
            #expect(try await controller.database.modelCount() == 1)
            #expect(try await controller.database.sessions().total == 0)
            #expect(try await client.execute(uri: API.sessions + "?limit=5000", method: .get).status == .badRequest)
            #expect(try await client.execute(uri: "/api/v1/nothing-here", method: .get).status == .notFound)
        }
    }

    @Test("A session created through the routes is queued, shown and stopped")
    func sessionLifecycle() async throws {
        try await Self.withRoutes { client, _, dir in
            try SafetensorsWriter.write(seedModel(), to: dir + "/seed.safetensors")
            let seed = try Data(contentsOf: URL(fileURLWithPath: dir + "/seed.safetensors"))
            _ = try await client.execute(
                uri: API.models + "?activate=true",
                method: .post,
                body: ByteBuffer(data: seed)
            )
            var response = try await client.execute(
                uri: API.sessions,
                method: .post,
                body: try Self.json(SessionConfigDTO(rounds: 2))
            )
            #expect(response.status == .created)
            let session = try API.makeDecoder().decode(SessionDTO.self, from: Data(buffer: response.body))
            #expect(session.status == "queued")
            response = try await client.execute(uri: API.sessionStop(session.id), method: .post)
            #expect(response.status == .ok)
            let stopped = try API.makeDecoder().decode(SessionDTO.self, from: Data(buffer: response.body))
            #expect(stopped.status == "stopped")
            // Stopping it again is refused: it is no longer live.
            response = try await client.execute(uri: API.sessionStop(session.id), method: .post)
            #expect(response.status == .conflict)
            let events = try await client.execute(uri: API.events, method: .get)
            #expect(String(buffer: events.body).contains("session.stopped"))
        }
    }
}
