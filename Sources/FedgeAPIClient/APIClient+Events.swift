import AsyncHTTPClient
package import FedgeAPIModels
import Foundation
import NIOCore
import NIOHTTP1

extension APIClient {
    /// Follows `GET /api/v1/events/stream`: every audit event and progress notice, as the daemon sends them.
    ///
    /// The request is made when the stream is first iterated. The stream ends when the daemon closes it, and
    /// throws ``APIClientError`` when the request fails or an event is not an ``EventDTO``. Stop iterating (or
    /// cancel the iterating task) to close the connection. Iterate it from one task only.
    ///
    /// ```swift
    /// for try await event in client.events() { print(event.kind, event.message) }
    /// ```
    ///
    /// - Parameter query: Filters the daemon may apply to the stream (for example `kind`).
    package func events(query: [String: String] = [:]) -> AsyncThrowingStream<EventDTO, any Error> {
        let reader = EventStreamReader(client: self, query: query)
        return AsyncThrowingStream(unfolding: { try await reader.next() })
    }

    /// Sends the stream request and checks its status; the body is read by ``EventStreamReader``.
    func openEventStream(query: [String: String]) async throws -> HTTPClientResponse {
        var request = try self.request(.GET, API.eventStream, query: query, accept: "text/event-stream")
        request.headers.add(name: "Cache-Control", value: "no-cache")
        let response = try await self.execute(request, .GET, API.eventStream, deadline: .distantFuture)
        guard (200..<300).contains(response.status.code) else {
            try await self.throwErrorAnswer(response, .GET, API.eventStream)
        }
        return response
    }
}

/// The state behind ``APIClient/events(query:)``: the open response, the parser, and parsed events not yet taken.
actor EventStreamReader {
    private let client: APIClient
    private let query: [String: String]
    private var body: HTTPClientResponse.Body.AsyncIterator?
    private var parser = ServerSentEventParser()
    private var pending: [ServerSentEventParser.Event] = []
    private var finished = false

    init(client: APIClient, query: [String: String]) {
        self.client = client
        self.query = query
    }

    /// The next event, or `nil` once the daemon has closed the stream.
    func next() async throws -> EventDTO? {
        while true {
            if !self.pending.isEmpty {
                return try self.decode(self.pending.removeFirst())
            }
            if self.finished { return nil }
            var iterator: HTTPClientResponse.Body.AsyncIterator
            if let body = self.body {
                iterator = body
            } else {
                iterator = try await self.client.openEventStream(query: self.query).body.makeAsyncIterator()
            }
            let chunk: ByteBuffer?
            do {
                chunk = try await iterator.next(isolation: self)
            } catch {
                self.finished = true
                throw self.client.transportError(error, .GET, API.eventStream)
            }
            self.body = iterator
            guard let chunk else {
                self.finished = true
                // A last event without its blank line still counts.
                self.pending += try self.parser.feed([UInt8(ascii: "\n"), UInt8(ascii: "\n")])
                continue
            }
            self.pending += try self.parser.feed(chunk.readableBytesView)
        }
    }

    private func decode(_ event: ServerSentEventParser.Event) throws -> EventDTO {
        do {
            return try API.makeDecoder().decode(EventDTO.self, from: Data(event.data.utf8))
        } catch {
            throw APIClientError.badResponse(
                "The event stream sent an event\(event.name.map { " '\($0)'" } ?? "") that is not a valid EventDTO: "
                    + "\(APIClient.describe(decodingError: error))."
            )
        }
    }
}
