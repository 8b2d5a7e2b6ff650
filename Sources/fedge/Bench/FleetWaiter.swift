import Foundation

/// Waits for what the round benchmark needs (the controller to answer, nodes to come online), failing at once
/// when a process of the federation ended and with the end of the controller's log when time runs out.
struct FleetWaiter: Sendable {
    var fleet: ProcessFleet
    /// The controller's log, quoted when a wait times out.
    var log: String

    /// Polls `condition` every 200 ms until it holds.
    ///
    /// - Parameters:
    ///   - what: What is awaited, as in "gave up waiting for WHAT after 60 s".
    ///   - seconds: How long to wait at most.
    /// - Throws: `BenchError.processEnded`, `BenchError.timedOut`, or what `condition` throws.
    func wait(for what: String, seconds: Double, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while true {
            try self.fleet.checkRunning()
            if try await condition() { return }
            guard ContinuousClock.now < deadline else { throw self.timedOut(what, seconds: seconds) }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// The error for `what` not happening within `seconds`.
    func timedOut(_ what: String, seconds: Double) -> BenchError {
        BenchError.timedOut(what: what, seconds: seconds, log: self.log, tail: ProcessFleet.tail(of: self.log))
    }
}
