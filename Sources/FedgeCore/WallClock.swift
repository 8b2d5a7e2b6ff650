package import Foundation

/// An instant of wall-clock time. Round deadlines cross the wire as such instants (Unix milliseconds), so the tiers
/// agree on them; `date` is the same instant as a `Date`.
package struct WallInstant: InstantProtocol, Sendable, Hashable, Comparable, CustomStringConvertible {
    package typealias Duration = Swift.Duration

    package var date: Date

    package init(_ date: Date) { self.date = date }

    package func advanced(by duration: Duration) -> WallInstant {
        WallInstant(self.date.addingTimeInterval(duration.inSeconds))
    }

    package func duration(to other: WallInstant) -> Duration {
        .milliseconds(Int64(((other.date.timeIntervalSince1970 - self.date.timeIntervalSince1970) * 1000).rounded()))
    }

    package static func < (lhs: WallInstant, rhs: WallInstant) -> Bool { lhs.date < rhs.date }

    package var description: String { "\(self.date)" }
}

/// A `Clock` of wall-clock time: what the daemons read deadlines, last-seen times and round durations from, and
/// sleep on until a deadline. Components take one (`SystemWallClock` by default) so tests can run deadlines,
/// stale clients and grace periods on a test clock in milliseconds.
package protocol WallClock: Clock where Instant == WallInstant, Duration == Swift.Duration {}

extension WallClock {
    /// Now, as a `Date`.
    package var date: Date { self.now.date }

    /// Sleeps until `date` (returns at once when it has passed).
    package func sleep(until date: Date) async throws {
        try await self.sleep(until: WallInstant(date), tolerance: nil)
    }
}

/// The system's wall clock.
package struct SystemWallClock: WallClock {
    package init() {}

    package var now: WallInstant { WallInstant(Date()) }

    package var minimumResolution: Duration { .milliseconds(1) }

    package func sleep(until deadline: WallInstant, tolerance: Duration?) async throws {
        let wait = self.now.duration(to: deadline)
        if wait > .zero { try await Task.sleep(for: wait, tolerance: tolerance) }
    }
}
