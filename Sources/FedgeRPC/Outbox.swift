import NIOConcurrencyHelpers

/// The messages waiting to go up a long-lived stream (a combiner's reports to its controller, a client's events to
/// its combiner), read by the stream's writer in order.
///
/// Three kinds of message, three promises:
/// - `send(_:)`: a message that carries state (an outcome, a validation, a task's status) is never dropped. It
///   waits, in order, until the writer takes it; once the outbox is finished, `send` says so by returning `false`,
///   and the caller fails loudly.
/// - `coalesce(_:key:)`: a message that only says how things are now (a heartbeat with telemetry, round progress)
///   replaces the one of the same key still waiting: under load the peer gets the newest, never a backlog.
/// - `offer(_:)`: a best-effort message (a log line) is dropped when `bestEffortCapacity` of them wait; the writer
///   is told how many were dropped (`takeDropped()`), so the loss is reported, not silent.
package final class Outbox<Message: Sendable>: AsyncSequence, Sendable {
    package typealias Element = Message

    private struct State {
        var state: [Message] = []
        var stateHead = 0
        var coalesced: [(key: String, message: Message)] = []
        var bestEffort: [Message] = []
        var bestEffortHead = 0
        var dropped = 0
        var finished = false
        var waiter: CheckedContinuation<Message?, Never>? = nil

        /// The next message to write: state first, then the newest of each coalesced key, then best effort.
        mutating func next() -> Message? {
            if self.stateHead < self.state.count {
                defer {
                    self.stateHead += 1
                    if self.stateHead == self.state.count { (self.state, self.stateHead) = ([], 0) }
                }
                return self.state[self.stateHead]
            }
            if !self.coalesced.isEmpty { return self.coalesced.removeFirst().message }
            if self.bestEffortHead < self.bestEffort.count {
                defer {
                    self.bestEffortHead += 1
                    if self.bestEffortHead == self.bestEffort.count { (self.bestEffort, self.bestEffortHead) = ([], 0) }
                }
                return self.bestEffort[self.bestEffortHead]
            }
            return nil
        }

        var bestEffortWaiting: Int { self.bestEffort.count - self.bestEffortHead }
    }

    private let state = NIOLockedValueBox(State())
    private let bestEffortCapacity: Int

    /// - Parameter bestEffortCapacity: how many best-effort messages may wait before new ones are dropped.
    package init(bestEffortCapacity: Int = 10_000) {
        self.bestEffortCapacity = bestEffortCapacity
    }

    /// Queues a message that carries state. Returns `false` when the outbox is finished (the stream is gone): the
    /// message will not be delivered and the caller must say so.
    @discardableResult
    package func send(_ message: Message) -> Bool {
        self.enqueue { state in
            state.state.append(message)
            return true
        }
    }

    /// Queues `message` in place of any message with the same `key` still waiting.
    package func coalesce(_ message: Message, key: String) {
        _ = self.enqueue { state in
            if let index = state.coalesced.firstIndex(where: { $0.key == key }) {
                state.coalesced[index].message = message
            } else {
                state.coalesced.append((key, message))
            }
            return true
        }
    }

    /// Queues a best-effort message; returns `false` when it was dropped (too many waiting, or finished).
    @discardableResult
    package func offer(_ message: Message) -> Bool {
        self.enqueue { state in
            guard state.bestEffortWaiting < self.bestEffortCapacity else {
                state.dropped += 1
                return false
            }
            state.bestEffort.append(message)
            return true
        }
    }

    /// How many best-effort messages were dropped since the last call.
    package func takeDropped() -> Int {
        self.state.withLockedValue { state in
            defer { state.dropped = 0 }
            return state.dropped
        }
    }

    /// Ends the outbox: the reader gets what is still waiting, then the end; later messages are refused.
    package func finish() {
        let waiter = self.state.withLockedValue { state -> CheckedContinuation<Message?, Never>? in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }

    private func enqueue(_ add: (inout State) -> Bool) -> Bool {
        let (accepted, handoff) = self.state.withLockedValue {
            state -> (Bool, (CheckedContinuation<Message?, Never>, Message)?) in
            guard !state.finished else { return (false, nil) }
            let accepted = add(&state)
            guard accepted, let waiter = state.waiter, let next = state.next() else { return (accepted, nil) }
            state.waiter = nil
            return (true, (waiter, next))
        }
        if let (waiter, message) = handoff { waiter.resume(returning: message) }
        return accepted
    }

    /// The next message, waiting for one; `nil` once finished and drained, or when the reader is cancelled.
    fileprivate func next() async -> Message? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Message?, Never>) in
                let ready: Message?? = self.state.withLockedValue { state in
                    if let message = state.next() { return .some(message) }
                    if state.finished || Task.isCancelled { return .some(nil) }
                    state.waiter = continuation
                    return .none
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            let waiter = self.state.withLockedValue { state -> CheckedContinuation<Message?, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: nil)
        }
    }

    package struct AsyncIterator: AsyncIteratorProtocol {
        fileprivate let outbox: Outbox<Message>

        package mutating func next() async -> Message? { await self.outbox.next() }
    }

    package func makeAsyncIterator() -> AsyncIterator { AsyncIterator(outbox: self) }
}
