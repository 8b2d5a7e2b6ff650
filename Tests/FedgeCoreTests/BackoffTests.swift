import FedgeCore
import FedgeTestSupport
import Testing

@Suite("Backoff")
struct BackoffTests {
    @Test func growsExponentiallyWithJitterAndCaps() {
        var backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(2))
        var generator = SeededGenerator(seed: 1)
        var previousCeiling = Duration.zero
        for _ in 0..<10 {
            let ceiling = backoff.ceiling
            #expect(ceiling >= previousCeiling)
            #expect(ceiling <= .seconds(2))
            let wait = backoff.next(using: &generator)
            #expect(wait >= ceiling / 2 && wait <= ceiling)
            previousCeiling = ceiling
        }
        #expect(backoff.ceiling == .seconds(2))
        backoff.reset()
        #expect(backoff.ceiling == .milliseconds(100))
    }
}
