/// A counting semaphore for async code: at most `limit` holders at once, the rest wait in arrival order.
///
/// The combiner serves model downloads and takes in uploads through these, so that the memory the transport buffers
/// for transfers in flight is bounded by the limits, not by the number of clients.
package actor TransferLimiter {
    private let limit: Int
    private var holders = 0
    private var waiters: [(id: Int, continuation: CheckedContinuation<Void, any Error>)] = []
    private var nextID = 0

    package init(limit: Int) {
        precondition(limit > 0, "a limiter needs room for at least one holder")
        self.limit = limit
    }

    /// Runs `body` once a place is free. Waiting ends with `CancellationError` if the task is cancelled.
    package func withPermit<R: Sendable>(_ body: @Sendable () async throws -> R) async throws -> R {
        try await self.acquire()
        defer { self.release() }
        return try await body()
    }

    /// Waits for a place; pair with `release()`.
    package func acquire() async throws {
        if self.holders < self.limit {
            self.holders += 1
            return
        }
        let id = self.nextID
        self.nextID += 1
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                } else {
                    self.waiters.append((id, continuation))
                }
            }
        } onCancel: {
            Task { await self.cancel(id) }
        }
    }

    /// Gives a place back.
    package func release() {
        if self.waiters.isEmpty {
            self.holders -= 1
        } else {
            // The place passes straight to the next waiter.
            self.waiters.removeFirst().continuation.resume()
        }
    }

    private func cancel(_ id: Int) {
        if let index = self.waiters.firstIndex(where: { $0.id == id }) {
            self.waiters.remove(at: index).continuation.resume(throwing: CancellationError())
        }
    }
}
