import FedgeAPIModels
import Foundation
import Hummingbird
import NIOCore

/// The live event stream as Server-Sent Events: `id:`, `event:` and `data:` (an `EventDTO` as JSON) per event,
/// a `:` comment every 15 seconds to keep proxies from closing an idle stream.
enum EventStream {
    static func response(bus: EventBus, keepAlive: Duration = .seconds(15), replay: @escaping @Sendable () throws -> [EventDTO]) -> Response {
        let subscription = bus.subscribe()
        let body = ResponseBody { writer in
            let encoder = API.makeEncoder()
            func frame(_ event: EventDTO) -> ByteBuffer {
                let data = (try? encoder.encode(event)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
                return ByteBuffer(string: "id: \(event.id)\nevent: \(event.kind)\ndata: \(data)\n\n")
            }
            try await writer.write(ByteBuffer(string: ": fedge events\n\n"))
            var replayed: Int64 = 0
            for event in try replay() {
                try await writer.write(frame(event))
                replayed = max(replayed, event.id)
            }
            let (merged, continuation) = AsyncStream.makeStream(of: EventDTO?.self, bufferingPolicy: .bufferingNewest(1024))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await event in subscription { continuation.yield(event) }
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
                        try await writer.write(frame(event))
                    } else {
                        try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                    }
                }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }
}
