import AsyncHTTPClient
import FedgeAPIModels
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// A typed async client for the REST API of the controller (or of a combiner's control socket).
///
/// One client holds one connection pool and may be shared between tasks. Call ``shutdown()`` once when done,
/// before releasing it (a client released unshut traps in debug builds), or use
/// ``withClient(endpoint:requestTimeout:_:)``.
/// Every method throws ``APIClientError``, or `CancellationError` when its task is cancelled.
///
/// ```swift
/// let running = try await APIClient.withClient(endpoint: .unixSocket(APIEndpoint.defaultControllerSocket())) {
///     try await $0.listSessions(status: "running")
/// }
/// ```
package final class APIClient: Sendable {
    /// Where requests go.
    package let endpoint: APIEndpoint
    /// How long a JSON request may take, from sending to the last byte of the answer. Downloads, uploads and
    /// the event stream have no overall deadline.
    package let requestTimeout: Duration

    let http: HTTPClient

    /// The largest JSON answer the client reads.
    static let maxJSONBytes = 256 * 1024 * 1024

    /// Makes a client for `endpoint`. It opens no connection until the first request.
    ///
    /// - Parameters:
    ///   - endpoint: The socket or URL of the daemon.
    ///   - requestTimeout: The deadline of each JSON request.
    package init(endpoint: APIEndpoint, requestTimeout: Duration = .seconds(60)) {
        self.endpoint = endpoint
        self.requestTimeout = requestTimeout
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10))
        )
        // Fail at once when nothing listens, rather than retrying until the request's deadline.
        configuration.connectionPool.retryConnectionEstablishment = false
        if let roots = endpoint.trustRoots {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .file(roots)
            configuration.tlsConfiguration = tls
        }
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Runs `body` with a new client and shuts the client down afterwards, whether `body` throws or not.
    package static func withClient<Result>(
        endpoint: APIEndpoint,
        requestTimeout: Duration = .seconds(60),
        _ body: (APIClient) async throws -> Result
    ) async throws -> Result {
        let client = APIClient(endpoint: endpoint, requestTimeout: requestTimeout)
        do {
            let result = try await body(client)
            await client.shutdown()
            return result
        } catch {
            await client.shutdown()
            throw error
        }
    }

    /// Closes the client's connections and cancels requests still running. Call it once; later calls do nothing.
    package func shutdown() async {
        try? await self.http.shutdown()
    }

    // MARK: JSON requests

    /// `GET path?query`, decoding the answer as `T`.
    package func get<T: Decodable>(
        _ path: String,
        query: [String: String] = [:],
        as type: T.Type = T.self
    ) async throws -> T {
        try await self.json(.GET, path, query: query, body: nil, as: type)
    }

    /// `POST path?query` without a body, decoding the answer as `T`.
    package func post<T: Decodable>(
        _ path: String,
        query: [String: String] = [:],
        as type: T.Type = T.self
    ) async throws -> T {
        try await self.json(.POST, path, query: query, body: nil, as: type)
    }

    /// `POST path?query` with `body` as JSON, decoding the answer as `T`.
    package func post<Body: Encodable, T: Decodable>(
        _ path: String,
        body: Body,
        query: [String: String] = [:],
        as type: T.Type = T.self
    ) async throws -> T {
        try await self.json(.POST, path, query: query, body: try Self.encode(body), as: type)
    }

    /// `PUT path?query` with `body` as JSON, decoding the answer as `T`.
    package func put<Body: Encodable, T: Decodable>(
        _ path: String,
        body: Body,
        query: [String: String] = [:],
        as type: T.Type = T.self
    ) async throws -> T {
        try await self.json(.PUT, path, query: query, body: try Self.encode(body), as: type)
    }

    /// `DELETE path`, decoding the answer as `T`.
    package func delete<T: Decodable>(_ path: String, as type: T.Type = T.self) async throws -> T {
        try await self.json(.DELETE, path, query: [:], body: nil, as: type)
    }

    /// `GET path?query`, returning the answer as text (for example the Prometheus `/metrics`).
    package func text(_ path: String, query: [String: String] = [:]) async throws -> String {
        let request = try self.request(.GET, path, query: query, accept: "text/plain")
        let response = try await self.execute(request, .GET, path, deadline: self.deadline)
        let bytes = try await self.collect(response, .GET, path)
        try self.checkStatus(response, bytes: bytes)
        return String(decoding: bytes.readableBytesView, as: UTF8.self)
    }

    private func json<T: Decodable>(
        _ method: HTTPMethod,
        _ path: String,
        query: [String: String],
        body: ByteBuffer?,
        as type: T.Type
    ) async throws -> T {
        var request = try self.request(method, path, query: query, accept: "application/json")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(body)
        }
        let response = try await self.execute(request, method, path, deadline: self.deadline)
        let bytes = try await self.collect(response, method, path)
        try self.checkStatus(response, bytes: bytes)
        do {
            return try API.makeDecoder().decode(T.self, from: Data(bytes.readableBytesView))
        } catch {
            throw APIClientError.badResponse(
                "The \(self.endpoint.daemon.rawValue)'s answer to \(method) \(path) is not a valid \(T.self): "
                    + "\(Self.describe(decodingError: error)). Are the fedge tool and the daemon the same version?"
            )
        }
    }

    private static func encode(_ value: some Encodable) throws -> ByteBuffer {
        do {
            return ByteBuffer(bytes: try API.makeEncoder().encode(value))
        } catch {
            throw APIClientError.invalidRequest("The request body cannot be sent as JSON: \(error).")
        }
    }

    var deadline: NIODeadline { .now() + TimeAmount(self.requestTimeout) }
}
