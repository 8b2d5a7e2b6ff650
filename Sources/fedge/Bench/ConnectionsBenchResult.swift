import Foundation

/// What `fedge bench connections` measured: printed as a block, or one JSON line (`--json`, snake_case keys).
struct ConnectionsBenchResult: Sendable, Codable {
    var configuration: ConnectionsBenchmark.Configuration
    /// From starting the client processes until the controller counted every client online.
    var clientsOnlineSeconds: Double
    /// How long the clients were held, measured.
    var heldSeconds: Double
    /// Clients the controller listed as online at the end of the hold.
    var onlineAtEnd: Int
    /// The combiner's VmRSS once attached, before any client started, in MiB.
    var combinerBeforeClientsMib: Double
    /// The combiner's VmRSS at the end of the hold, in MiB.
    var combinerHeldMib: Double
    /// The combiner's highest VmRSS (VmHWM), connecting included, in MiB.
    var combinerPeakMib: Double
    /// (held − before clients) / N: what one idle connected client costs the combiner, in KiB.
    var combinerKibPerClient: Double
    var controllerMib: Double
    /// The client processes' VmRSS, added up, in MiB.
    var clientProcessesMib: Double
    /// Heartbeats timed during the hold (each a gap after the one before).
    var heartbeats: Int
    /// Heartbeats that came more than 1.5 intervals after the one before.
    var lateHeartbeats: Int
    var medianGapSeconds: Double
    var p99GapSeconds: Double
    var maxGapSeconds: Double
    /// CPU over the hold, in percent of one core.
    var combinerCPUPercent: Double
    var controllerCPUPercent: Double
    var clientProcessesCPUPercent: Double
    var cores = MachineInfo.cores
    var debugBuild = MachineInfo.isDebugBuild
    /// The work directory, when kept (`--keep`).
    var workDirectory: String?

    /// The bound for an idle client's share of the combiner.
    static let targetKiBPerClient = 64.0

    /// The report: what ran, then the figures as aligned fields.
    func printBlock() {
        let c = self.configuration
        print(
            "N \(c.clients) idle clients in \(c.processes) process(es), heartbeat every \(Self.number(c.heartbeatSeconds)) s, "
                + "held \(Self.number(self.heldSeconds)) s"
        )
        let perClient = self.combinerKibPerClient
        let verdict = perClient <= Self.targetKiBPerClient ? "met" : "missed"
        let late = self.lateHeartbeats == 0 ? "none late" : "\(self.lateHeartbeats) late"
        var fields: [(String, String)] = [
            (
                "online",
                "\(self.onlineAtEnd) of \(c.clients) at the end; all online "
                    + "\(RoundBenchReport.seconds(self.clientsOnlineSeconds)) after the clients started"
            ),
            (
                "heartbeats",
                "\(self.heartbeats) timed, \(late) (over \(Self.number(c.lateAfterSeconds)) s); gap median "
                    + "\(RoundBenchReport.seconds(self.medianGapSeconds)), p99 \(RoundBenchReport.seconds(self.p99GapSeconds)), "
                    + "max \(RoundBenchReport.seconds(self.maxGapSeconds))"
            ),
            (
                "combiner memory",
                "\(RoundBenchReport.mib(self.combinerBeforeClientsMib)) before clients, \(RoundBenchReport.mib(self.combinerHeldMib)) holding them "
                    + "(peak \(RoundBenchReport.mib(self.combinerPeakMib)))"
            ),
            (
                "per client",
                String(
                    format: "%.1f KiB of combiner memory (target ≤ %.0f KiB: %@)",
                    perClient,
                    Self.targetKiBPerClient,
                    verdict
                )
            ),
            (
                "CPU",
                String(
                    format: "combiner %.1f %%, controller %.1f %%, client processes %.1f %% (of one core)",
                    self.combinerCPUPercent,
                    self.controllerCPUPercent,
                    self.clientProcessesCPUPercent
                )
            ),
            (
                "other memory",
                "controller \(RoundBenchReport.mib(self.controllerMib)), client processes \(RoundBenchReport.mib(self.clientProcessesMib)) "
                    + String(
                        format: "(%.0f KiB per client)",
                        self.clientProcessesMib * 1024 / Double(max(c.clients, 1))
                    )
            ),
        ]
        if let work = self.workDirectory { fields.append(("work directory", work)) }
        Output.printFields(fields, indent: 2)
    }

    /// `5` or `2.5`.
    private static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }
}
