import FedgeCore
import Foundation
import NIOConcurrencyHelpers

/// The task a session is running, and the way to cancel it.
struct RunningTask: Sendable {
    var id: TaskID
    var cancel: AsyncStream<Void>.Continuation
}

/// The one task a client runs at a time, shared by its control loop and the task itself; a new task waits for the
/// slot to be released instead of polling it.
final class TaskSlot: Sendable {
    private struct State {
        var current: RunningTask? = nil
        var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = NIOLockedValueBox(State())

    /// The task in the slot, if any.
    var current: RunningTask? { self.state.withLockedValue { $0.current } }

    /// Takes the slot for `task`; returns `nil` when it did, else the id of the task in it.
    func claim(_ task: RunningTask) -> String? {
        self.state.withLockedValue { state in
            if let current = state.current { return current.id.rawValue }
            state.current = task
            return nil
        }
    }

    /// Takes the slot for `task`, waiting up to `limit` for the task in it to end; returns `nil` when it did, else
    /// the id of the task still in it.
    func claim(_ task: RunningTask, waiting limit: Duration) async -> String? {
        if self.claim(task) == nil { return nil }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitUntilFree() }
            group.addTask { try? await Task.sleep(for: limit) }
            await group.next()
            group.cancelAll()
        }
        return self.claim(task)
    }

    /// Empties the slot and wakes whoever waits for it.
    func release() {
        let waiters = self.state.withLockedValue { state in
            state.current = nil
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the slot is empty, or when the caller is cancelled.
    func waitUntilFree() async {
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let free = self.state.withLockedValue { state in
                    if state.current == nil || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if free { continuation.resume() }
            }
        } onCancel: {
            let waiter = self.state.withLockedValue { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}
