import FedgeAPIModels
import FedgeController
import FedgeStore
import FedgeTensor
import FedgeTestSupport
import Foundation
import HTTPTypes
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

    @Test("A misspelled or null field, a bad filter and a wrong method are refused with a sentence and change nothing")
    func strictRequestsChangeNothing() async throws {
        try await Self.withRoutes { client, controller, dir in
            try SafetensorsWriter.write(seedModel(), to: dir + "/seed.safetensors")
            let seed = try Data(contentsOf: URL(fileURLWithPath: dir + "/seed.safetensors"))
            #expect(
                try await client.execute(
                    uri: API.models + "?activate=true",
                    method: .post,
                    body: ByteBuffer(data: seed)
                )
                .status == .created
            )
            let events = try await controller.database.checkAuditTrail().events
            // `round` for `rounds` would have run the default 5 rounds without a word.
            for (body, says) in [
                (#"{"round": 3}"#, "field 'round' this route does not take"),
                (#"{"rounds": null}"#, "rounds is null"),
                (#"{"rounds": 2, "client_settings": {"mu": null}, "validate": null}"#, "validate is null"),
            ] {
                let response = try await client.execute(
                    uri: API.sessions,
                    method: .post,
                    body: ByteBuffer(string: body)
                )
                #expect(response.status == .badRequest, "\(body)")
                #expect(String(buffer: response.body).contains(says), "\(String(buffer: response.body))")
            }
            // Values inside client_settings are the trainer's: null is fine there.
            let created = try await client.execute(
                uri: API.sessions,
                method: .post,
                body: ByteBuffer(string: #"{"rounds": 2, "validate": false, "client_settings": {"mu": null}}"#)
            )
            #expect(created.status == .created)
            #expect(try await controller.database.sessions().total == 1)
            for (uri, says) in [
                (API.tokens, "field 'hosts'"),
                (API.clientEnrollments, "'bad host' is not a host name"),
            ] {
                let body =
                    uri == API.tokens
                    ? #"{"role": "observer", "name": "ann", "hosts": []}"# : #"{"name": "c1", "hosts": ["bad host"]}"#
                let response = try await client.execute(uri: uri, method: .post, body: ByteBuffer(string: body))
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains(says), "\(String(buffer: response.body))")
            }
            for uri in [API.metricsList + "?round=null", API.events + "?since=", API.eventStream + "?since=x"] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .badRequest, "\(uri)")
            }
            let stream = try await client.execute(
                uri: API.eventStream,
                method: .get,
                headers: [HTTPField.Name("Last-Event-ID")!: "9223372036854775808"]
            )
            #expect(stream.status == .badRequest)
            // A route asked with a method it does not take: 405 and what it takes.
            var response = try await client.execute(uri: API.activeModel, method: .delete)
            #expect(response.status == .methodNotAllowed)
            #expect(response.headers[.allow] == "GET, PUT")
            #expect(try Self.errorCode(response) == "method_not_allowed")
            response = try await client.execute(uri: API.session("s-123") + "/start", method: .get)
            #expect(response.status == .methodNotAllowed)
            #expect(response.headers[.allow] == "POST")
            #expect(try await client.execute(uri: "/api/v1/nothing-here", method: .delete).status == .notFound)
            // Nothing of the refused requests stayed: one session, one token, the events the two successes made.
            #expect(try await controller.database.sessions().total == 1)
            #expect(try await controller.database.checkAuditTrail().events <= events + 2)
        }
    }

    @Test("Dates are read as RFC 3339 says: either case, any offset up to 23:59")
    func rfc3339Dates() throws {
        let utc = try #require(API.parseDate("2026-12-05T10:00:00Z"))
        #expect(API.parseDate("2026-12-05t10:00:00z") == utc)
        #expect(API.parseDate("2026-12-05T12:30:00+02:30") == utc)
        #expect(API.parseDate("2026-12-04T14:27:00-19:33") == utc)
        #expect(API.parseDate("2026-12-05T10:00:00.250Z") == utc.addingTimeInterval(0.25))
        for bad in ["", "2026-12-05", "2026-12-05T10:00:00+24:00", "2026-12-05T10:00:00+0a:00", "yesterday"] {
            #expect(API.parseDate(bad) == nil, "\(bad)")
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
