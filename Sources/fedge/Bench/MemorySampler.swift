import Dispatch
import FedgeCore
import Foundation
import NIOConcurrencyHelpers

/// Samples the resident memory (VmRSS) of processes every `interval` on a thread of its own and keeps each one's
/// peak: what the processes needed while the benchmark's session ran.
///
/// Make one with `start(pids:)`; `stop()` ends the thread and returns the peaks. Thread-safe.
final class MemorySampler: Sendable {
    private struct State {
        var peaks: [Int32: Int64] = [:]
        var stopping = false
    }

    private let pids: [Int32]
    private let interval: Duration
    private let state = NIOLockedValueBox(State())
    private let finished = DispatchSemaphore(value: 0)

    private init(pids: [Int32], interval: Duration) {
        self.pids = pids
        self.interval = interval
    }

    /// Starts sampling `pids` now, and then every `interval`.
    static func start(pids: [Int32], interval: Duration = .milliseconds(50)) -> MemorySampler {
        let sampler = MemorySampler(pids: pids, interval: interval)
        Thread { sampler.loop() }.start()
        return sampler
    }

    /// Stops sampling, waiting for the thread, and returns each process's peak VmRSS in KiB (processes that could
    /// not be read are left out). Later calls return the same peaks.
    func stop() -> [Int32: Int64] {
        let first: Bool = self.state.withLockedValue { state in
            defer { state.stopping = true }
            return !state.stopping
        }
        if first { self.finished.wait() }
        return self.state.withLockedValue { $0.peaks }
    }

    private func loop() {
        let seconds = self.interval.inSeconds
        while !self.state.withLockedValue({ $0.stopping }) {
            for pid in self.pids {
                guard let memory = ProcessMemory.sample(pid: pid) else { continue }
                self.state.withLockedValue { $0.peaks[pid] = max($0.peaks[pid] ?? 0, memory.residentKiB) }
            }
            Thread.sleep(forTimeInterval: seconds)
        }
        self.finished.signal()
    }
}
