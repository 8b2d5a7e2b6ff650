#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
/// Exponential backoff with full jitter, as a value: `next()` gives the wait before the next attempt.
package struct Backoff: Sendable {
    package var initial: Duration
    package var maximum: Duration
    package var multiplier: Double
    private var attempt = 0

    package init(initial: Duration = .milliseconds(500), maximum: Duration = .seconds(30), multiplier: Double = 2) {
        self.initial = initial
        self.maximum = maximum
        self.multiplier = multiplier
    }

    /// The ceiling of the wait for the current attempt: initial × multiplierⁿ, capped at `maximum`.
    package var ceiling: Duration {
        let factor = pow(self.multiplier, Double(min(self.attempt, 60)))
        let seconds = min(self.initial.inSeconds * factor, self.maximum.inSeconds)
        return .milliseconds(Int64(seconds * 1000))
    }

    /// A wait drawn uniformly from [ceiling/2, ceiling], then one step up.
    package mutating func next<G: RandomNumberGenerator>(using generator: inout G) -> Duration {
        let ceiling = self.ceiling.inSeconds
        self.attempt += 1
        return .milliseconds(Int64(Double.random(in: (ceiling / 2)...ceiling, using: &generator) * 1000))
    }

    package mutating func next() -> Duration {
        var generator = SystemRandomNumberGenerator()
        return self.next(using: &generator)
    }

    /// Back to the initial wait, after a connection that worked.
    package mutating func reset() { self.attempt = 0 }

}
