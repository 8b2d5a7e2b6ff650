import FedgeAPIClient
import FedgeAPIModels
import FedgeCore
import Foundation

/// `fedge bench connections`, run for real: a controller, one combiner and N idle clients in K processes on
/// loopback, held connected and heartbeating for a while, with the combiner's memory and every tier's CPU measured
/// and each client's heartbeats timed as the combiner received them.
struct ConnectionsBenchmark: Sendable {
    /// What to hold: how many clients, in how many processes, heartbeating how often, for how long.
    struct Configuration: Sendable, Hashable, Codable {
        var clients: Int
        var processes: Int
        var heartbeatSeconds: Double
        var holdSeconds: Double

        /// A heartbeat arriving more than half an interval after the one before is late.
        var lateAfterSeconds: Double { self.heartbeatSeconds * 1.5 }
    }

    var configuration: Configuration
    var executables: BenchExecutables
    /// Keep the work directory (state, kits, logs) afterwards.
    var keep: Bool
    /// Where progress lines go.
    var progress: @Sendable (String) -> Void

    /// Starts the federation, waits for every client to come online, holds them, and measures.
    ///
    /// - Throws: A `BenchError` saying what failed, or the API client's error.
    func run() async throws -> ConnectionsBenchResult {
        let configuration = self.configuration
        return try await RoundBenchmark.withOneCombiner(
            clients: configuration.clients,
            processes: configuration.processes,
            params: 10,
            heartbeat: configuration.heartbeatSeconds,
            seed: false,
            executables: self.executables,
            keep: self.keep,
            progress: self.progress
        ) { running, work in
            try await self.hold(running, work: work)
        }
    }

    /// Holds the connected clients for the configured time: every 1.5 s (more often than the controller hears from
    /// the combiner, every 2 s), lists every client through the controller
    /// (for their heartbeats) and samples the combiner's memory; CPU is read at both ends.
    private func hold(_ federation: RoundBenchmark.Federation, work: String) async throws -> ConnectionsBenchResult {
        let configuration = self.configuration
        let tiers = federation.tiers
        let combiner = tiers.combiners[0]
        self.progress(
            "\(configuration.clients) client(s) online after "
                + "\(RoundBenchReport.seconds(federation.clientsOnlineSeconds)); holding them for "
                + "\(Int(configuration.holdSeconds)) s …"
        )
        var watch = HeartbeatWatch()
        watch.observe(try await Self.everyClient(federation.api))
        let cpuBefore = Self.cpu(tiers)
        let start = ContinuousClock.now
        var combinerPeakKiB: Int64 = 0
        var lastListing: [ClientDTO] = []
        while (ContinuousClock.now - start).inSeconds < configuration.holdSeconds {
            try federation.waiter.fleet.checkRunning()
            try await Task.sleep(for: .milliseconds(1500))
            lastListing = try await Self.everyClient(federation.api)
            watch.observe(lastListing)
            combinerPeakKiB = max(combinerPeakKiB, ProcessMemory.sample(pid: combiner)?.residentKiB ?? 0)
        }
        let held = (ContinuousClock.now - start).inSeconds
        let cpuAfter = Self.cpu(tiers)
        func percent(_ pids: [Int32]) -> Double {
            pids.reduce(0) { $0 + (cpuAfter[$1] ?? 0) - (cpuBefore[$1] ?? 0) } / held * 100
        }
        let clientPids = tiers.clients.map(\.pid)
        let before = federation.combinersBeforeClients[combiner] ?? 0
        let heldKiB = ProcessMemory.sample(pid: combiner)?.residentKiB ?? 0
        let clientKiB = clientPids.reduce(Int64(0)) { $0 + (ProcessMemory.sample(pid: $1)?.residentKiB ?? 0) }
        return ConnectionsBenchResult(
            configuration: configuration,
            clientsOnlineSeconds: federation.clientsOnlineSeconds,
            heldSeconds: held,
            onlineAtEnd: lastListing.count { $0.status == "online" },
            combinerBeforeClientsMib: Double(before) / 1024,
            combinerHeldMib: Double(heldKiB) / 1024,
            combinerPeakMib: Double(max(combinerPeakKiB, ProcessMemory.sample(pid: combiner)?.peakKiB ?? 0)) / 1024,
            combinerKibPerClient: Double(heldKiB - before) / Double(configuration.clients),
            controllerMib: Double(ProcessMemory.sample(pid: tiers.controller)?.residentKiB ?? 0) / 1024,
            clientProcessesMib: Double(clientKiB) / 1024,
            heartbeats: watch.gaps.count,
            lateHeartbeats: watch.late(limit: configuration.lateAfterSeconds),
            medianGapSeconds: watch.percentile(0.5),
            p99GapSeconds: watch.percentile(0.99),
            maxGapSeconds: watch.gaps.max() ?? 0,
            combinerCPUPercent: percent([combiner]),
            controllerCPUPercent: percent([tiers.controller]),
            clientProcessesCPUPercent: percent(clientPids),
            workDirectory: self.keep ? work : nil
        )
    }

    /// Every client the controller knows, read in pages of 1,000.
    static func everyClient(_ api: APIClient) async throws -> [ClientDTO] {
        var clients: [ClientDTO] = []
        while true {
            let page = try await api.listClients(limit: 1000, offset: clients.count)
            clients += page.items
            if page.items.isEmpty || clients.count >= page.total { return clients }
        }
    }

    /// The CPU seconds each process of the federation has used so far.
    static func cpu(_ tiers: FleetTiers) -> [Int32: Double] {
        var seconds: [Int32: Double] = [:]
        for pid in tiers.all { seconds[pid] = ProcessCPU.seconds(pid: pid) }
        return seconds
    }
}
