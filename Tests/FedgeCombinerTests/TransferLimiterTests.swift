import FedgeCombiner
import NIOConcurrencyHelpers
import Testing

/// State shared by the test's tasks.
final class Shared<Value: Sendable>: Sendable {
    let value: NIOLockedValueBox<Value>
    init(_ value: Value) { self.value = NIOLockedValueBox(value) }
    func with<R>(_ body: (inout Value) -> R) -> R { self.value.withLockedValue { body(&$0) } }
}

@Suite("Transfer limiter")
struct TransferLimiterTests {
    @Test("At most `limit` bodies run at once, and every one runs")
    func boundsConcurrency() async throws {
        let limiter = TransferLimiter(limit: 3)
        let state = Shared((now: 0, peak: 0, done: 0))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    try await limiter.withPermit {
                        state.with {
                            $0.now += 1
                            $0.peak = max($0.peak, $0.now)
                        }
                        try await Task.sleep(for: .milliseconds(5))
                        state.with {
                            $0.now -= 1
                            $0.done += 1
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let result = state.with { $0 }
        #expect(result.peak == 3 && result.done == 20 && result.now == 0)
    }

    @Test("Waiters are served in arrival order, and a cancelled waiter leaves without taking a place")
    func fifoAndCancellation() async throws {
        let limiter = TransferLimiter(limit: 1)
        try await limiter.acquire()
        let order = Shared<[Int]>([])
        let first = Task {
            try await limiter.acquire()
            order.with { $0.append(1) }
            await limiter.release()
        }
        try await Task.sleep(for: .milliseconds(20))
        let cancelled = Task { try await limiter.acquire() }
        try await Task.sleep(for: .milliseconds(20))
        let second = Task {
            try await limiter.acquire()
            order.with { $0.append(2) }
            await limiter.release()
        }
        try await Task.sleep(for: .milliseconds(20))
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        await limiter.release()
        try await first.value
        try await second.value
        #expect(order.with { $0 } == [1, 2])
        // The place is free again: a new holder gets it at once.
        try await limiter.withPermit {}
    }
}
