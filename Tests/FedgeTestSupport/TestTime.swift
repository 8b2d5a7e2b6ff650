import Foundation

/// How much longer than usual the tests may wait: `FEDGE_TEST_TIME_SCALE` times (1 when unset).
///
/// The waits and deadlines of the real-socket and real-process tests are set for a normal debug build on 2 cores.
/// Under ThreadSanitizer everything runs 5–15 times slower and under AddressSanitizer 2–4 times, so a sanitizer run
/// sets the scale (`FEDGE_TEST_TIME_SCALE=10 swift test --sanitize=thread`, see RELIABILITY.md) instead of failing
/// on time alone. Only limits scale: what a test measures (a round's duration, a bound it asserts) does not.
package enum TestTime {
    /// The factor, at least 1; a value that is not a number is ignored.
    package static let scale: Double = {
        guard let text = ProcessInfo.processInfo.environment["FEDGE_TEST_TIME_SCALE"], let value = Double(text)
        else { return 1 }
        return max(1, value)
    }()

    /// `limit`, scaled.
    package static func scaled(_ limit: Duration) -> Duration { limit * Self.scale }

    /// `seconds`, scaled.
    package static func scaled(_ seconds: Double) -> Double { seconds * Self.scale }
}
