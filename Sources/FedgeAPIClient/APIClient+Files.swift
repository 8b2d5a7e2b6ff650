import AsyncHTTPClient
import FedgeAPIModels
import Foundation
import NIOCore
import NIOHTTP1

/// Streaming file transfers: bodies go between the socket and the disk in chunks, never whole in memory.
extension APIClient {
    /// `GET path?query`, streaming the answer's body into `file`.
    ///
    /// The body is written to `FILE.partial` next to `file` and moved into place once complete, so `file` is
    /// either the whole body or untouched. An existing `file` is replaced.
    ///
    /// - Returns: The number of bytes written.
    @discardableResult
    package func download(_ path: String, query: [String: String] = [:], to file: String) async throws -> Int64 {
        let request = try self.request(.GET, path, query: query, accept: "application/octet-stream")
        let response = try await self.execute(request, .GET, path, deadline: .distantFuture)
        guard (200..<300).contains(response.status.code) else {
            try await self.throwErrorAnswer(response, .GET, path)
        }
        let partial = file + ".partial"
        let writer = try FileWriter(path: partial)
        var written: Int64 = 0
        do {
            var pending = ByteBuffer()
            for try await chunk in response.body {
                written += Int64(chunk.readableBytes)
                pending.writeImmutableBuffer(chunk)
                if pending.readableBytes >= FileWriter.batchBytes {
                    try await writer.write(pending)
                    pending.clear()
                }
            }
            try await writer.write(pending)
            try await writer.finish()
            try FileWriter.move(partial, to: file)
        } catch {
            writer.abandon()
            try? FileManager.default.removeItem(atPath: partial)
            if error is APIClientError || error is CancellationError { throw error }
            throw self.transportError(error, .GET, path)
        }
        return written
    }

    /// `POST path?query` with the contents of `file` as an `application/octet-stream` body, decoding the answer
    /// as `T`.
    package func upload<T: Decodable>(
        _ path: String,
        file: String,
        query: [String: String] = [:],
        as type: T.Type = T.self
    ) async throws -> T {
        let chunks = try FileChunks(path: file)
        defer { chunks.close() }
        var request = try self.request(.POST, path, query: query, accept: "application/json")
        request.headers.add(name: "Content-Type", value: "application/octet-stream")
        request.body = .stream(chunks, length: .known(chunks.size))
        let response = try await self.execute(request, .POST, path, deadline: .distantFuture)
        let bytes = try await self.collect(response, .POST, path)
        try self.checkStatus(response, bytes: bytes)
        do {
            return try API.makeDecoder().decode(T.self, from: Data(bytes.readableBytesView))
        } catch {
            throw APIClientError.badResponse(
                "The \(self.endpoint.daemon.rawValue)'s answer to POST \(path) is not a valid \(T.self): "
                    + "\(Self.describe(decodingError: error))."
            )
        }
    }
}
