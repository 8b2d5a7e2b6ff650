package import FedgeCore
package import Foundation
import NIOConcurrencyHelpers

/// A wall clock that moves only when a test says so: sleepers wake when `advance(by:)` passes their deadline, so
/// deadlines, stale clients and grace periods are tested in milliseconds.
package final class ManualClock: WallClock, Sendable {
    private struct Sleeper {
        var deadline: WallInstant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: WallInstant
        var sleepers: [UUID: Sleeper] = [:]
    }

    private let state: NIOLockedValueBox<State>

    package init(start: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        self.state = NIOLockedValueBox(State(now: WallInstant(start)))
    }

    package var now: WallInstant { self.state.withLockedValue { $0.now } }

    package var minimumResolution: Duration { .zero }

    /// How many tasks are asleep on this clock.
    package var sleepers: Int { self.state.withLockedValue { $0.sleepers.count } }

    package func sleep(until deadline: WallInstant, tolerance: Duration?) async throws {
        let id = UUID()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let result: Result<Void, any Error>? = self.state.withLockedValue { state in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if deadline <= state.now { return .success(()) }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return nil
                }
                if let result { continuation.resume(with: result) }
            }
        } onCancel: {
            let sleeper = self.state.withLockedValue { $0.sleepers.removeValue(forKey: id) }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock forward and wakes every sleeper whose deadline has come.
    package func advance(by duration: Duration) {
        let due = self.state.withLockedValue { state -> [Sleeper] in
            state.now = state.now.advanced(by: duration)
            let now = state.now
            let due = state.sleepers.filter { $0.value.deadline <= now }
            for id in due.keys { state.sleepers[id] = nil }
            return Array(due.values)
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    /// Waits (on the real clock, briefly) until at least `count` tasks sleep on this clock: the point where a test
    /// may advance it.
    package func waitForSleepers(_ count: Int = 1) async throws {
        while self.sleepers < count {
            try await Task.sleep(for: .milliseconds(1))
        }
    }
}
