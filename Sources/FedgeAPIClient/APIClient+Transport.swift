import AsyncHTTPClient
import FedgeAPIModels
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// Building requests, sending them, and turning transport failures and error answers into ``APIClientError``.
extension APIClient {
    /// A request for `path?query` on the client's endpoint, with the token and `Accept` set.
    func request(
        _ method: HTTPMethod,
        _ path: String,
        query: [String: String],
        accept: String
    ) throws -> HTTPClientRequest {
        var uri = path
        if !query.isEmpty {
            uri +=
                "?"
                + query.sorted { $0.key < $1.key }
                .map { "\(Self.escapeQuery($0.key))=\(Self.escapeQuery($0.value))" }
                .joined(separator: "&")
        }
        let url: String
        switch self.endpoint.transport {
        case .unixSocket(let socketPath):
            guard let socketURL = URL(httpURLWithSocketPath: socketPath, uri: uri) else {
                throw APIClientError.invalidRequest("'\(socketPath)' cannot be used as a socket path.")
            }
            url = socketURL.absoluteString
        case .http(let baseURL):
            url = baseURL + uri
        }
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Accept", value: accept)
        request.headers.add(name: "User-Agent", value: "fedge-api-client")
        if let token = self.endpoint.token, !token.isEmpty {
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        return request
    }

    /// Sends `request`, mapping connection failures to ``APIClientError``. The answer's body is not read yet.
    func execute(
        _ request: HTTPClientRequest,
        _ method: HTTPMethod,
        _ path: String,
        deadline: NIODeadline
    ) async throws -> HTTPClientResponse {
        if case .unixSocket(let socketPath) = self.endpoint.transport,
            !FileManager.default.fileExists(atPath: socketPath)
        {
            throw APIClientError.unreachable(self.nothingListening)
        }
        do {
            return try await self.http.execute(request, deadline: deadline)
        } catch {
            throw self.transportError(error, method, path)
        }
    }

    /// Reads a whole (JSON or text) answer.
    func collect(_ response: HTTPClientResponse, _ method: HTTPMethod, _ path: String) async throws -> ByteBuffer {
        do {
            return try await response.body.collect(upTo: Self.maxJSONBytes)
        } catch is NIOTooManyBytesError {
            throw APIClientError.badResponse(
                "The answer to \(method) \(path) is larger than \(Self.maxJSONBytes / 1_048_576) MiB; ask for fewer "
                    + "items with a smaller limit."
            )
        } catch {
            throw self.transportError(error, method, path)
        }
    }

    /// Throws ``APIClientError/server(status:code:message:)`` unless the answer's status is 2xx.
    func checkStatus(_ response: HTTPClientResponse, bytes: ByteBuffer) throws {
        let status = Int(response.status.code)
        guard !(200..<300).contains(status) else { return }
        if let body = try? API.makeDecoder().decode(APIErrorBody.self, from: Data(bytes.readableBytesView)) {
            throw APIClientError.server(status: status, code: body.error.code, message: body.error.message)
        }
        var text = String(decoding: bytes.readableBytesView.prefix(300), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty { text = "no body" }
        throw APIClientError.server(
            status: status,
            code: "http_\(status)",
            message: "\(self.endpoint) answered \(status) \(response.status.reasonPhrase) (\(text)); is it a Fedge "
                + "\(self.endpoint.daemon.rawValue)?"
        )
    }

    /// Reads a non-2xx answer's body (up to 1 MiB) and throws the error it describes.
    func throwErrorAnswer(_ response: HTTPClientResponse, _ method: HTTPMethod, _ path: String) async throws -> Never {
        let bytes: ByteBuffer
        do {
            bytes = try await response.body.collect(upTo: 1_048_576)
        } catch {
            bytes = ByteBuffer()
        }
        try self.checkStatus(response, bytes: bytes)
        throw APIClientError.badResponse("\(method) \(path) failed with status \(response.status.code).")
    }

    /// The sentence for an endpoint where nothing listens.
    var nothingListening: String {
        let daemon = self.endpoint.daemon
        switch self.endpoint.transport {
        case .unixSocket(let socketPath):
            switch daemon {
            case .controller:
                return "No controller is listening on \(socketPath); start one with `fedge-controller serve`, or "
                    + "give --url."
            case .combiner:
                return "No combiner is listening on \(socketPath); start one with `fedge-combiner serve`, or give "
                    + "its --socket."
            }
        case .http(let baseURL):
            return "No \(daemon.rawValue) answers at \(baseURL); check that it runs and that the URL (host and "
                + "port) is right."
        }
    }

    /// Maps an error thrown by the HTTP client to an ``APIClientError`` (cancellation stays cancellation).
    func transportError(_ error: any Error, _ method: HTTPMethod, _ path: String) -> any Error {
        if error is APIClientError || error is CancellationError { return error }
        if let error = error as? HTTPClientError {
            switch error {
            case .cancelled where Task.isCancelled:
                return CancellationError()
            case .connectTimeout, .getConnectionFromPoolTimeout:
                return APIClientError.unreachable(self.nothingListening)
            case .deadlineExceeded, .readTimeout:
                return APIClientError.badResponse(
                    "The \(self.endpoint.daemon.rawValue) at \(self.endpoint) did not answer \(method) \(path) in "
                        + "time; it may be overloaded, try again."
                )
            case .remoteConnectionClosed:
                return APIClientError.badResponse(
                    "The \(self.endpoint.daemon.rawValue) at \(self.endpoint) closed the connection during "
                        + "\(method) \(path); it may have stopped, try again."
                )
            case .alreadyShutdown:
                return APIClientError.invalidRequest("The API client was already shut down; make a new one.")
            default:
                break
            }
        }
        if error is NIOConnectionError {
            return APIClientError.unreachable(self.nothingListening)
        }
        if let error = error as? ChannelError, case .connectTimeout = error {
            return APIClientError.unreachable(self.nothingListening)
        }
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED, ENOENT, ENOTSOCK, EHOSTUNREACH, ENETUNREACH, ETIMEDOUT, ECONNRESET:
                return APIClientError.unreachable(self.nothingListening)
            case EACCES, EPERM:
                return APIClientError.unreachable(
                    "You may not connect to \(self.endpoint) (permission denied); run as the user that started the "
                        + "\(self.endpoint.daemon.rawValue), or give --url and --token."
                )
            default:
                break
            }
        }
        return APIClientError.badResponse(
            "\(method) \(path) on \(self.endpoint) failed: \(error)."
        )
    }

    /// A short account of why JSON did not decode: what was wrong, and where.
    static func describe(decodingError error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func place(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "" : " (at \(keys.joined(separator: ".")))"
        }
        func trimmed(_ text: String) -> String {
            var text = text
            while text.hasSuffix(".") { text.removeLast() }
            return text
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "'\(key.stringValue)' is missing\(place(context))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return trimmed(context.debugDescription) + place(context)
        @unknown default:
            return "\(error)"
        }
    }

    private static func escapeQuery(_ text: String) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+?#")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
