import FedgeAPIModels
import Foundation
import Hummingbird
import NIOCore
import ServiceLifecycle

/// The live event stream as Server-Sent Events: `id:`, `event:` and `data:` (an `EventDTO` as JSON) per event,
/// a `:` comment every 15 seconds to keep proxies from closing an idle stream.
enum EventStream {
    /// - Parameters:
    ///   - kinds: when not empty, only events of these kinds are sent.
    ///   - replay: stored events to send first (those after the client's `since` or `Last-Event-ID`).
    static func response(
        feed: AuditFeed,
        kinds: Set<String> = [],
        keepAlive: Duration = .seconds(15),
        replay: @escaping @Sendable () async throws -> [EventDTO]
    ) -> Response {
        let subscription = feed.subscribe()
        let body = ResponseBody { writer in
            let encoder = API.makeEncoder()
            func frame(_ event: EventDTO) -> ByteBuffer {
                let data = (try? encoder.encode(event)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
                // Progress notices are not stored and carry no id, so a client's last id stays one it can resume from.
                let id = event.id > 0 ? "id: \(event.id)\n" : ""
                return ByteBuffer(string: "\(id)event: \(event.kind)\ndata: \(data)\n\n")
            }
            try await writer.write(ByteBuffer(string: ": fedge events\n\n"))
            var replayed: Int64 = 0
            for event in try await replay() where kinds.isEmpty || kinds.contains(event.kind) {
                try await writer.write(frame(event))
                replayed = max(replayed, event.id)
            }
            let (merged, continuation) = AsyncStream.makeStream(
                of: EventDTO?.self,
                bufferingPolicy: .bufferingNewest(1024)
            )
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await event in subscription { continuation.yield(event) }
                    continuation.finish()
                }
                // A stream never ends by itself: it ends when the client goes away, or when the server shuts down.
                group.addTask {
                    try? await gracefulShutdown()
                    continuation.finish()
                }
                group.addTask {
                    while true {
                        try await Task.sleep(for: keepAlive)
                        continuation.yield(nil)
                    }
                }
                defer { group.cancelAll() }
                for await item in merged {
                    if let event = item {
                        if event.id != 0 && event.id <= replayed { continue }
                        if !kinds.isEmpty && !kinds.contains(event.kind) { continue }
                        try await writer.write(frame(event))
                    } else {
                        try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                    }
                }
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
            body: body
        )
    }
}
