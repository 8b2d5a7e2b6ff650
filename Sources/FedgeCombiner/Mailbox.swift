import NIOConcurrencyHelpers

/// The messages on their way down one long-lived stream (a client's control stream), written in order by a task
/// that exists only while some are waiting.
///
/// A connected client is idle almost all of the time: instructions come a few times a round. A task parked on an
/// empty queue for every connection cost the combiner its stack and record per idle client; here the writing task
/// starts when a message arrives for a stream that has a writer, and ends once the queue is empty.
///
/// Messages queued before `start(writing:)` wait for it (the stream's welcome goes first). `finish()` drops what
/// is waiting and refuses what comes later; `close()` does the same, stops a write in progress (cancelling it) and
/// returns once no write can happen any more, so that a stream's handler can end without a write after it.
package final class Mailbox<Message: Sendable>: Sendable {
    package typealias Writer = @Sendable (Message) async throws -> Void

    private struct State {
        /// A few instructions a round at most: a plain array is queue enough.
        var waiting: [Message] = []
        var writer: Writer? = nil
        var pump: Task<Void, Never>? = nil
        var finished = false

        /// Drops what waits and refuses what comes.
        mutating func end() {
            self.finished = true
            self.waiting = []
        }
    }

    private let state = NIOLockedValueBox(State())

    package init() {}

    /// Queues `message`; `false` once the mailbox is finished (the stream is gone or replaced).
    @discardableResult
    package func send(_ message: Message) -> Bool {
        self.state.withLockedValue { state in
            guard !state.finished else { return false }
            state.waiting.append(message)
            self.startPumpIfNeeded(&state)
            return true
        }
    }

    /// Starts delivering the waiting messages, and every later one, through `write`.
    package func start(writing write: @escaping Writer) {
        self.state.withLockedValue { state in
            state.writer = write
            self.startPumpIfNeeded(&state)
        }
    }

    /// Drops the waiting messages and refuses later ones. A write in progress completes.
    package func finish() {
        self.state.withLockedValue { $0.end() }
    }

    /// Finishes the mailbox, cancels a write in progress, and returns once it has ended.
    package func close() async {
        let pump = self.state.withLockedValue { state in
            state.end()
            return state.pump
        }
        pump?.cancel()
        await pump?.value
    }

    /// Whether a task is writing (for tests: an idle mailbox holds none).
    package var isWriting: Bool { self.state.withLockedValue { $0.pump != nil } }

    private func startPumpIfNeeded(_ state: inout State) {
        guard state.pump == nil, !state.finished, let write = state.writer, !state.waiting.isEmpty else { return }
        state.pump = Task { await self.pump(write) }
    }

    private func pump(_ write: Writer) async {
        while let message = self.state.withLockedValue({ state -> Message? in
            guard !state.finished, !state.waiting.isEmpty else {
                state.pump = nil
                return nil
            }
            return state.waiting.removeFirst()
        }) {
            do {
                try await write(message)
            } catch {
                // The stream is gone: nothing more can be written on it.
                self.state.withLockedValue { state in
                    state.end()
                    state.pump = nil
                }
                return
            }
        }
    }
}
