import FedgeAPIClient
import FedgeAPIModels
import FedgeCore
import Foundation

/// Running the session: idle memory, the session itself with memory sampled, the rounds it committed.
extension RoundBenchmark {
    /// Reads the idle memory, runs one session over every client with the memory sampled every 50 ms, and reads
    /// each process's peak and the session's rounds.
    ///
    /// - Throws: `BenchError.sessionEnded` when the session failed or was stopped, `BenchError.timedOut` when no
    ///   round ended in time, `BenchError.processEnded` when a process died.
    func runSession(
        _ api: APIClient,
        tiers: FleetTiers,
        waiter: FleetWaiter,
        modelFileBytes: Int64
    ) async throws -> SessionMeasurement {
        let configuration = self.configuration
        var idle: [Int32: Int64] = [:]
        for pid in tiers.all {
            if let memory = ProcessMemory.sample(pid: pid) { idle[pid] = memory.residentKiB }
        }
        self.progress("running \(configuration.rounds) round(s) …")
        let session = try await api.createSession(
            SessionConfigDTO(
                aggregator: configuration.aggregator,
                rounds: configuration.rounds,
                roundTimeout: 3600,
                clientsRequired: configuration.clients,
                validate: false
            )
        )
        // A round that moves B bytes may take 2 minutes plus B at 5 MB/s before the benchmark gives up on it.
        let bytes = configuration.bytesPerRound(modelFileBytes: modelFileBytes)
        let roundLimit = 120 + Double(bytes) / 5e6
        let sampler = MemorySampler.start(pids: tiers.all)
        let ended: SessionDTO
        do {
            ended = try await self.follow(session.id, api: api, waiter: waiter, roundLimit: roundLimit)
        } catch {
            _ = sampler.stop()
            throw error
        }
        let sampled = sampler.stop()
        var peaks: [Int32: Int64] = [:]
        for pid in tiers.all {
            if let memory = ProcessMemory.sample(pid: pid) { peaks[pid] = memory.peakKiB }
        }
        guard ended.status == "finished" else {
            throw BenchError.sessionEnded(id: ended.id, status: ended.status, reason: ended.reason, log: waiter.log)
        }
        let rounds = try await api.sessionRounds(session.id, limit: 1000).items
        return SessionMeasurement(
            session: session.id,
            rounds: rounds,
            modelFileBytes: modelFileBytes,
            memory: RoundBenchMemory(tiers: tiers, idle: idle, session: sampled, peak: peaks)
        )
    }

    /// Polls the session every 250 ms until it is finished, failed or stopped, saying when each round ends.
    ///
    /// - Throws: `BenchError.timedOut` when no round ended within `roundLimit` seconds, `BenchError.processEnded`
    ///   when a process died.
    private func follow(
        _ id: String,
        api: APIClient,
        waiter: FleetWaiter,
        roundLimit: Double
    ) async throws -> SessionDTO {
        var done = 0
        var lastEnd = ContinuousClock.now
        while true {
            try waiter.fleet.checkRunning()
            let session = try await api.session(id)
            if session.roundsDone != done {
                done = session.roundsDone
                lastEnd = ContinuousClock.now
                self.progress("round \(done)/\(self.configuration.rounds) ended")
            }
            if ["finished", "failed", "stopped"].contains(session.status) { return session }
            if (ContinuousClock.now - lastEnd).inSeconds > roundLimit {
                throw waiter.timedOut("round \(done + 1) of session \(id) to end", seconds: roundLimit)
            }
            try await Task.sleep(for: .milliseconds(250))
        }
    }
}
