import FedgeAPIModels
import FedgeCore

/// What one configuration of `fedge bench round` measured: printed as a block of the report, a row of the grid's
/// table, or one JSON line (`--json`, snake_case keys).
struct RoundBenchResult: Sendable, Codable {
    var configuration: RoundBenchConfiguration
    /// The model's tensor bytes in MiB.
    var modelMib: Double
    /// The seed model's file size: what each download and each upload carries.
    var modelFileBytes: Int64
    var roundsCommitted: Int
    /// Each committed round's duration (`ended_at − started_at`), in round order.
    var roundSeconds: [Double]
    var medianRoundSeconds: Double
    var minRoundSeconds: Double
    var maxRoundSeconds: Double
    /// Each committed round's updates received.
    var updatesPerRound: [Int]
    /// The median seconds of each phase the rounds recorded, by phase name (`plan`, `download`, …).
    var phaseMedians: [String: Double]
    /// N × (model down + update up) + C × (model down to the combiner + partial up).
    var bytesPerRound: Int64
    /// The best of 3 copies of `bytesPerRound` through a plain loopback TCP socket.
    var socketCopySeconds: Double
    /// The median round over the socket copy.
    var ratioToSocketCopy: Double
    /// (median round − socket copy) / N, in milliseconds.
    var perClientOverheadMs: Double
    var memory: RoundBenchMemory
    var cores: Int
    var debugBuild: Bool
    /// The work directory, when kept (`--keep`).
    var workDirectory: String?

    /// The result of a session's `rounds` (any order; only committed ones count).
    ///
    /// - Throws: `BenchError.noRoundCommitted` when no round committed.
    init(
        configuration: RoundBenchConfiguration,
        session: String,
        rounds: [RoundDTO],
        modelFileBytes: Int64,
        socketCopySeconds: Double,
        memory: RoundBenchMemory,
        workDirectory: String?
    ) throws {
        let committed = rounds.filter { $0.status == "committed" }.sorted { $0.number < $1.number }
        let durations = committed.compactMap(\.durationSeconds)
        guard let median = Self.median(durations), let fastest = durations.min(), let slowest = durations.max() else {
            throw BenchError.noRoundCommitted(session: session)
        }
        self.configuration = configuration
        self.modelMib = configuration.modelMiB
        self.modelFileBytes = modelFileBytes
        self.roundsCommitted = committed.count
        self.roundSeconds = durations
        self.medianRoundSeconds = median
        self.minRoundSeconds = fastest
        self.maxRoundSeconds = slowest
        self.updatesPerRound = committed.map(\.received)
        var phases: [String: Double] = [:]
        for phase in RoundPhase.allCases {
            if let value = Self.median(committed.compactMap { $0.phases?[phase.rawValue] }.filter(\.isFinite)) {
                phases[phase.rawValue] = value
            }
        }
        self.phaseMedians = phases
        self.bytesPerRound = configuration.bytesPerRound(modelFileBytes: modelFileBytes)
        self.socketCopySeconds = socketCopySeconds
        self.ratioToSocketCopy = socketCopySeconds > 0 ? median / socketCopySeconds : 0
        self.perClientOverheadMs = (median - socketCopySeconds) / Double(configuration.clients) * 1000
        self.memory = memory
        self.cores = MachineInfo.cores
        self.debugBuild = MachineInfo.isDebugBuild
        self.workDirectory = workDirectory
    }

    /// The phase medians in the order a round runs them, leaving out phases the rounds did not record.
    var orderedPhases: [(name: String, seconds: Double)] {
        RoundPhase.allCases.compactMap { phase in
            self.phaseMedians[phase.rawValue].map { (name: phase.rawValue, seconds: $0) }
        }
    }

    /// The middle value (the mean of the middle two for an even count), or `nil` for none.
    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
