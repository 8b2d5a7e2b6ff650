import FedgeRPC
import Testing

@Suite("Outbox: nothing that carries state is dropped")
struct OutboxTests {
    enum Message: Sendable, Equatable {
        case state(Int)
        case heartbeat(Int)
        case log(Int)
    }

    /// Reads `outbox` to its end on a slow reader: a yield after every message, so the writers run far ahead.
    static func drain(_ outbox: Outbox<Message>) async -> [Message] {
        var received: [Message] = []
        for await message in outbox {
            received.append(message)
            await Task.yield()
        }
        return received
    }

    @Test(
        "A flood of state messages arrives whole and in order; heartbeats are coalesced; dropped log lines are counted"
    )
    func floodFromSeveralWriters() async throws {
        let outbox = Outbox<Message>(bestEffortCapacity: 100)
        let reader = Task { await Self.drain(outbox) }
        await withTaskGroup(of: Void.self) { writers in
            for writer in 0..<4 {
                writers.addTask {
                    for i in 0..<25_000 {
                        #expect(outbox.send(.state(writer * 25_000 + i)))
                        if i % 10 == 0 { outbox.coalesce(.heartbeat(i), key: "heartbeat") }
                        outbox.offer(.log(i))
                    }
                }
            }
        }
        let dropped = outbox.takeDropped()
        outbox.finish()
        let received = await reader.value
        let states = received.compactMap { if case .state(let n) = $0 { n } else { nil } }
        let heartbeats = received.filter { if case .heartbeat = $0 { true } else { false } }
        let logs = received.filter { if case .log = $0 { true } else { false } }
        #expect(states.count == 100_000)
        #expect(Set(states).count == 100_000)
        for writer in 0..<4 {
            let own = states.filter { $0 / 25_000 == writer }
            #expect(own == own.sorted(), "writer \(writer)'s messages arrive in the order sent")
        }
        #expect(
            heartbeats.count >= 1 && heartbeats.count < 10_000,
            "heartbeats coalesce: \(heartbeats.count) of 10000 sent"
        )
        #expect(logs.count + dropped == 100_000, "every log line is delivered or counted as dropped")
        #expect(dropped > 0)
    }

    @Test("After finish, what waits is still read, and new state messages are refused, not lost silently")
    func finishDrainsAndRefuses() async {
        let outbox = Outbox<Message>()
        #expect(outbox.send(.state(1)))
        outbox.coalesce(.heartbeat(1), key: "h")
        outbox.coalesce(.heartbeat(2), key: "h")
        outbox.finish()
        #expect(!outbox.send(.state(2)))
        #expect(!outbox.offer(.log(1)))
        let received = await Self.drain(outbox)
        #expect(received == [.state(1), .heartbeat(2)])
    }

    @Test("A reader waiting on an empty outbox ends when cancelled")
    func readerCancellation() async {
        let outbox = Outbox<Message>()
        let reader = Task { await Self.drain(outbox) }
        try? await Task.sleep(for: .milliseconds(50))
        reader.cancel()
        #expect(await reader.value.isEmpty)
    }
}
