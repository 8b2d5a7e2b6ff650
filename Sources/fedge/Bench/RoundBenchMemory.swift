/// Resident memory by tier in MiB, from /proc (absent where there is none): the controller, the largest
/// combiner, the largest client process, and a client's share of its process.
struct RoundBenchMemory: Sendable, Hashable, Codable {
    /// Per tier, one measure.
    struct Tiers: Sendable, Hashable, Codable {
        var controller: Double?
        var combiner: Double?
        var clientProcess: Double?
        /// The largest of client-process memory divided by the clients it runs.
        var perClient: Double?
    }

    /// VmRSS just before the session, once every client was online (clients: idle too).
    var idle: Tiers
    /// The largest VmRSS sampled every 50 ms while the session ran.
    var session: Tiers
    /// VmHWM at the end: each process's peak since it started.
    var peak: Tiers

    /// Reads the three measures, each a map from process id to KiB, by `tiers`.
    init(tiers: FleetTiers, idle: [Int32: Int64], session: [Int32: Int64], peak: [Int32: Int64]) {
        self.idle = Self.tiers(tiers, idle)
        self.session = Self.tiers(tiers, session)
        self.peak = Self.tiers(tiers, peak)
    }

    private static func tiers(_ tiers: FleetTiers, _ kib: [Int32: Int64]) -> Tiers {
        func mib(_ value: Int64?) -> Double? { value.map { Double($0) / 1024 } }
        return Tiers(
            controller: mib(kib[tiers.controller]),
            combiner: mib(tiers.combiners.compactMap { kib[$0] }.max()),
            clientProcess: mib(tiers.clients.compactMap { kib[$0.pid] }.max()),
            perClient: tiers.clients.compactMap { process in
                kib[process.pid].map { Double($0) / 1024 / Double(max(1, process.clients)) }
            }.max()
        )
    }
}
