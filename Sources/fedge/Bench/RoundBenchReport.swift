import Foundation

/// How `fedge bench round` prints: a header with the machine, a block per configuration, and after several
/// configurations (`--grid`) a summary table and a chart of the median round time against N.
enum RoundBenchReport {
    /// The header: the machine and the build, and a warning line for a debug build.
    static func header() -> [String] {
        let build = MachineInfo.isDebugBuild ? "debug" : "release"
        var lines = ["fedge bench round: \(MachineInfo.cpuModel()), \(MachineInfo.cores) cores, \(build) build"]
        if MachineInfo.isDebugBuild { lines.append("warning: " + MachineInfo.debugWarning) }
        return lines
    }

    /// One configuration: what ran, then its figures as aligned fields.
    static func printBlock(_ result: RoundBenchResult) {
        let c = result.configuration
        let model = Self.mib(result.modelMib)
        let tensors = RoundBenchConfiguration.tensors
        print(
            "N \(c.clients), C \(c.combiners), \(model) model (\(c.params) float32 in \(tensors) tensors), "
                + "\(c.rounds) round(s), \(c.processes) client process(es), \(c.aggregator)"
        )
        let updates: String
        if let fewest = result.updatesPerRound.min(), let most = result.updatesPerRound.max(), fewest != most {
            updates = "\(fewest)–\(most) updates"
        } else {
            updates = "\(result.updatesPerRound.first ?? 0) updates each"
        }
        let median = Self.seconds(result.medianRoundSeconds)
        let range = "min \(Self.seconds(result.minRoundSeconds)), max \(Self.seconds(result.maxRoundSeconds))"
        let ratio = String(format: "%.1f", result.ratioToSocketCopy)
        let moved = Self.mib(bytes: result.bytesPerRound)
        let copy = Self.seconds(result.socketCopySeconds)
        let overhead = String(format: "%.2f ms", result.perClientOverheadMs)
        let file = Self.mib(bytes: result.modelFileBytes)
        let transfers =
            "\(c.clients) × (\(file) down + \(file) up) + "
            + "\(c.combiners) × (\(file) down + \(file) partial up)"
        let session = Self.memory(result.memory.session, perClient: true)
        var fields: [(String, String)] = [
            ("rounds", "\(result.roundsCommitted) of \(c.rounds) committed, \(updates); median \(median) (\(range))"),
            ("baseline", "round \(median) = \(ratio) × a loopback socket copy of the same \(moved) (\(copy))"),
            ("per client", "\(overhead) of overhead: (median round − socket copy) / \(c.clients) client(s)"),
            ("phases", Self.phases(result)),
            ("moved", "\(moved) per round = \(transfers)"),
            ("idle RSS", Self.memory(result.memory.idle, perClient: false)),
            ("peak RSS", Self.memory(result.memory.peak, perClient: true) + " (VmHWM)"),
            ("session RSS", session + " (VmRSS sampled every 50 ms)"),
        ]
        if let work = result.workDirectory { fields.append(("work directory", work)) }
        Output.printFields(fields, indent: 2)
        print("")
    }

    /// The summary of several configurations, one row each.
    static func printTable(_ results: [RoundBenchResult]) {
        var table = Table(
            "N",
            "C",
            "MODEL",
            "ROUNDS",
            "MEDIAN",
            "× COPY",
            "PER CLIENT",
            "MOVED/ROUND",
            "CONTROLLER",
            "COMBINER",
            "CLIENT PROC",
            "PHASE MEDIANS"
        )
        for result in results {
            let c = result.configuration
            let peak = result.memory.peak
            table.append(
                "\(c.clients)",
                "\(c.combiners)",
                Self.mib(result.modelMib),
                "\(result.roundsCommitted)",
                Self.seconds(result.medianRoundSeconds),
                String(format: "%.1f", result.ratioToSocketCopy),
                String(format: "%.2f ms", result.perClientOverheadMs),
                Self.mib(bytes: result.bytesPerRound),
                peak.controller.map(Self.mib(_:)) ?? "-",
                peak.combiner.map(Self.mib(_:)) ?? "-",
                peak.clientProcess.map(Self.mib(_:)) ?? "-",
                Self.phases(result)
            )
        }
        print("Summary (peak RSS is VmHWM; MEDIAN is the median round, × COPY its ratio to the socket copy)")
        print(table.render(), terminator: "")
        print("")
    }

    /// A bar chart of the median round time against N, one group of bars per model size, scaled per group.
    static func printChart(_ results: [RoundBenchResult], width: Int = 50) {
        print("Median round time against N (each group scaled to its slowest configuration)")
        var sizes: [Int] = []
        for result in results where !sizes.contains(result.configuration.params) {
            sizes.append(result.configuration.params)
        }
        for params in sizes {
            let group = results.filter { $0.configuration.params == params }
            let slowest = group.map(\.medianRoundSeconds).max() ?? 0
            print("\(Self.mib(group[0].modelMib)) model")
            for result in group {
                let c = result.configuration
                let share = slowest > 0 ? result.medianRoundSeconds / slowest : 0
                let length = result.medianRoundSeconds > 0 ? max(1, Int((share * Double(width)).rounded())) : 0
                let label = "N \(c.clients)".padding(toLength: 8, withPad: " ", startingAt: 0) + "C \(c.combiners)"
                let bar = String(repeating: "█", count: length) + String(repeating: " ", count: width - length)
                print("  \(label) │\(bar) \(Self.seconds(result.medianRoundSeconds))")
            }
        }
        print("")
    }

    /// `0.123 s` below 10 s, `12.3 s` above.
    static func seconds(_ value: Double) -> String {
        String(format: value < 10 ? "%.3f s" : "%.1f s", value)
    }

    /// `10.0 MiB`, or `0.25 MiB` for small models.
    static func mib(_ value: Double) -> String {
        String(format: value < 1 ? "%.2f MiB" : (value < 100 ? "%.1f MiB" : "%.0f MiB"), value)
    }

    /// A byte count in MiB.
    static func mib(bytes: Int64) -> String {
        Self.mib(Double(bytes) / 1_048_576)
    }

    /// The phase medians in round order, or a note when the rounds recorded none.
    private static func phases(_ result: RoundBenchResult) -> String {
        let phases = result.orderedPhases
        guard !phases.isEmpty else { return "- (the controller recorded no phases)" }
        return phases.map { "\($0.name) \(Self.seconds($0.seconds))" }.joined(separator: ", ")
    }

    /// Memory per tier.
    private static func memory(_ tiers: RoundBenchMemory.Tiers, perClient: Bool) -> String {
        func show(_ value: Double?) -> String { value.map(Self.mib(_:)) ?? "-" }
        var text =
            "controller \(show(tiers.controller)), combiner \(show(tiers.combiner)), "
            + "client process \(show(tiers.clientProcess))"
        if perClient, let share = tiers.perClient { text += String(format: " (%.1f MiB per client)", share) }
        return text
    }
}
