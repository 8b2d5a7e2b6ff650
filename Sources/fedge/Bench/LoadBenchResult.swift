import Foundation

/// What `fedge bench load` measured: printed as a block, or one JSON line (`--json`, snake_case keys).
struct LoadBenchResult: Sendable, Codable {
    var configuration: LoadBenchmark.Configuration
    var clientsOnlineSeconds: Double
    var heldSeconds: Double
    var onlineAtEnd: Int
    var roundsCommitted: Int
    var roundsFailed: Int
    /// Why rounds failed, with how many failed so.
    var roundFailures: [String: Int]
    /// The committed rounds' durations, in seconds.
    var roundSeconds: Spread
    /// How many updates each committed round folded.
    var participants: Spread
    var heartbeats: Int
    var lateHeartbeats: Int
    var p99GapSeconds: Double
    var maxGapSeconds: Double
    /// Answers the readers got, their rate and how long each took (seconds).
    var reads: Int
    var readsPerSecond: Double
    var readSeconds: Spread
    /// The readers' errors by message.
    var readErrors: [String: Int]
    /// Events and progress notices the follower read from the live stream.
    var eventsFollowed: Int
    /// Refused calls in the audit trail (none expected: every node is who it says).
    var refusals: Int
    /// Each tier's highest VmRSS during the load (client processes added up), in MiB.
    var controllerPeakMib: Double
    var combinerPeakMib: Double
    var clientProcessesPeakMib: Double
    /// CPU over the load, in percent of one core.
    var controllerCPUPercent: Double
    var combinerCPUPercent: Double
    var clientProcessesCPUPercent: Double
    /// What `fedge console` showed and how fast it answered its keys, when it ran (`--console`).
    var console: ConsoleWatch.Result?
    var cores = MachineInfo.cores
    var debugBuild = MachineInfo.isDebugBuild
    var workDirectory: String?

    /// Whether nothing went wrong: every round committed, every client online, no read failed, nothing refused,
    /// no heartbeat late, and the console (when it ran) kept up.
    var clean: Bool {
        self.roundsFailed == 0 && self.onlineAtEnd == self.configuration.clients && self.readErrors.isEmpty
            && self.refusals == 0 && self.lateHeartbeats == 0 && self.roundsCommitted > 0
            && (self.console?.keptUp ?? true)
    }

    /// The report: what ran, then the figures as aligned fields.
    func printBlock() {
        let c = self.configuration
        print(
            "N \(c.clients) clients in \(c.processes) process(es), rounds of \(c.participants) on a "
                + "\(RoundBenchReport.mib(Double(c.params) * 4 / 1_048_576)) model, \(c.readers) REST reader(s) and "
                + "an event follower, held \(Int(self.heldSeconds)) s"
        )
        let failures = self.roundFailures.sorted { $0.value > $1.value }.map { "\($0.value)× \($0.key)" }
        let errors = self.readErrors.sorted { $0.value > $1.value }.prefix(3).map { "\($0.value)× \($0.key)" }
        var fields: [(String, String)] = [
            (
                "online",
                "\(self.onlineAtEnd) of \(c.clients) at the end; all online "
                    + "\(RoundBenchReport.seconds(self.clientsOnlineSeconds)) after the clients started"
            ),
            (
                "rounds",
                "\(self.roundsCommitted) committed, \(self.roundsFailed) failed"
                    + (failures.isEmpty ? "" : " (\(failures.joined(separator: "; ")))")
            ),
            (
                "round time",
                "median \(RoundBenchReport.seconds(self.roundSeconds.median)), p90 "
                    + "\(RoundBenchReport.seconds(self.roundSeconds.p90)), max \(RoundBenchReport.seconds(self.roundSeconds.max)); "
                    + "updates a round median \(Int(self.participants.median)), least \(Int(self.participants.min))"
            ),
            (
                "heartbeats",
                "\(self.heartbeats) timed, \(self.lateHeartbeats) late (over "
                    + "\(RoundBenchReport.seconds(c.lateAfterSeconds))); gap p99 \(RoundBenchReport.seconds(self.p99GapSeconds)), "
                    + "max \(RoundBenchReport.seconds(self.maxGapSeconds))"
            ),
            (
                "REST reads",
                String(format: "%d answered (%.0f a second); ", self.reads, self.readsPerSecond)
                    + "median \(Self.ms(self.readSeconds.median)), p99 \(Self.ms(self.readSeconds.p99)), "
                    + "max \(Self.ms(self.readSeconds.max)); "
                    + (errors.isEmpty ? "no errors" : "errors: \(errors.joined(separator: "; "))")
            ),
            ("event stream", "\(self.eventsFollowed) events and progress notices followed"),
        ]
        if let console = self.console { fields.append(("console", Self.describe(console))) }
        fields += [
            ("refusals", "\(self.refusals) in the audit trail"),
            (
                "peak memory",
                "controller \(RoundBenchReport.mib(self.controllerPeakMib)), combiner "
                    + "\(RoundBenchReport.mib(self.combinerPeakMib)), client processes "
                    + "\(RoundBenchReport.mib(self.clientProcessesPeakMib))"
            ),
            (
                "CPU",
                String(
                    format: "controller %.1f %%, combiner %.1f %%, client processes %.1f %% (of one core; %d cores)",
                    self.controllerCPUPercent,
                    self.combinerCPUPercent,
                    self.clientProcessesCPUPercent,
                    self.cores
                )
            ),
            ("verdict", self.clean ? "clean: nothing failed, late, refused or lost" : "NOT clean (see above)"),
        ]
        if let work = self.workDirectory { fields.append(("work directory", work)) }
        Output.printFields(fields, indent: 2)
    }

    /// The console's line: what it showed, how its keys answered, its memory and CPU.
    private static func describe(_ console: ConsoleWatch.Result) -> String {
        let rounds =
            if let first = console.firstRoundsDone, let last = console.lastRoundsDone {
                "rounds done shown \(first) → \(last) (\(console.roundChanges) changes)"
            } else {
                "no rounds-done figure shown"
            }
        return "\(console.running ? "ran" : "ENDED EARLY"); \(console.screens) screens read, \(rounds), "
            + "\(console.progressChanges) round-progress updates; \(console.keys) keys answered in median "
            + "\(Self.ms(console.keySeconds.median)), max \(Self.ms(console.keySeconds.max)), "
            + "\(console.keyTimeouts) not within 10 s; peak \(RoundBenchReport.mib(console.peakMib)), "
            + String(format: "CPU %.1f %%", console.cpuPercent)
            + (console.lastScreen.map { "\n    last screen:\n" + $0 } ?? "")
    }

    /// `12 ms`.
    private static func ms(_ seconds: Double) -> String { String(format: "%.0f ms", seconds * 1000) }
}
