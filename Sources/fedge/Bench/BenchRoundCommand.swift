import ArgumentParser
import FedgeCore
import Foundation

/// `fedge bench round`: whole federated rounds over loopback, with real daemon and client processes, against a
/// loopback socket copy of the same bytes taken in the same run.
struct BenchRoundCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "round",
        abstract: "Measure whole federated rounds — controller, combiners, client processes — on loopback.",
        discussion: """
            For each configuration, in a new temporary work directory: fedge-controller init and serve \
            (--insecure, on 127.0.0.1), C combiners and N clients enrolled over the control socket, C \
            fedge-combiner processes, a seed model of P Float32 values in 10 tensors, K fedge-client processes \
            running their share of the kits with the noop trainer, and once every client is online one session of \
            R rounds without validation. The executables are the ones beside fedge: build them together \
            (swift build -c release). Reported: each round's duration (median, min, max); where its time went by \
            phase; the bytes a round moves, N × (model down + update up) + C × (model down + partial up), and the \
            time a plain loopback TCP socket copy of as many bytes takes, best of 3, with the ratio of the two; the \
            overhead per client, (median round − socket copy) / N; and resident memory by tier, idle before the \
            session, sampled every 50 ms during it, and at its peak (VmHWM). --grid runs N ∈ {10, 100, 1000} on a \
            10 MiB model and N ∈ {10, 100} on a 100 MiB model, each with C ∈ {1, 2}, and ends with a table and a \
            chart. Progress goes to stderr.
            """
    )

    @Option(help: "How many clients (N), 1 to 100000.")
    var clients = 10

    @Option(help: "The model's Float32 parameters (P), in 10 equal tensors: a multiple of 10 (2621440 is 10 MiB).")
    var params = RoundBenchConfiguration.tenMiB

    @Option(help: "How many combiners (C), 1 to 16.")
    var combiners = 1

    @Option(
        help:
            "Rounds per configuration (R), 1 to 1000 (default: 5; 2 with --grid, which then fits in 15 minutes on 2 cores)."
    )
    var rounds: Int?

    @Option(help: "Client processes (K), 1 to N, each running its share of the clients (default: N, at most 10).")
    var processes: Int?

    @Flag(
        help: """
            Run the grid instead: N of 10, 100 and 1000 on a 10 MiB model and N of 10 and 100 on a 100 MiB \
            model, each with 1 and 2 combiners (--clients, --params and --combiners are ignored).
            """
    )
    var grid = false

    @Flag(help: "Print one JSON line per configuration instead of the report.")
    var json = false

    @Flag(help: "Keep each configuration's work directory (state, kits, logs) and print its path.")
    var keep = false

    @Option(
        help:
            "The aggregator (fedavg, fedavgm, fedadam, fedyogi, fedadagrad, fedmedian, fedtrimmedavg, krum, multikrum)."
    )
    var aggregator = "fedavg"

    func validate() throws {
        guard (1...100_000).contains(self.clients) else { throw ValidationError("--clients must be from 1 to 100000.") }
        guard (1...16).contains(self.combiners) else { throw ValidationError("--combiners must be from 1 to 16.") }
        if let rounds = self.rounds, !(1...1000).contains(rounds) {
            throw ValidationError("--rounds must be from 1 to 1000.")
        }
        guard self.params >= 10, self.params % 10 == 0 else {
            throw ValidationError("--params must be a multiple of 10 (10 tensors of equal size), 10 or more.")
        }
        if let processes = self.processes {
            guard processes >= 1 else { throw ValidationError("--processes must be 1 or more.") }
            guard self.grid || processes <= self.clients else {
                throw ValidationError(
                    "--processes must be from 1 to --clients (\(self.clients)): each process runs one client or more."
                )
            }
        }
        guard AggregatorName(rawValue: self.aggregator) != nil else {
            let names = AggregatorName.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("Unknown aggregator '\(self.aggregator)'; use one of \(names).")
        }
    }

    /// The configurations the flags ask for.
    var configurations: [RoundBenchConfiguration] {
        if self.grid {
            return RoundBenchConfiguration.grid(
                rounds: self.rounds ?? 2,
                processes: self.processes,
                aggregator: self.aggregator
            )
        }
        return [
            RoundBenchConfiguration(
                clients: self.clients,
                combiners: self.combiners,
                params: self.params,
                rounds: self.rounds ?? 5,
                processes: self.processes ?? min(self.clients, 10),
                aggregator: self.aggregator
            )
        ]
    }

    func run() async throws {
        let executables = try BenchExecutables.locate()
        let configurations = self.configurations
        for line in RoundBenchReport.header() {
            // With --json, stdout carries the JSON lines only.
            if self.json { BenchOutput.note(line) } else { Self.emit(line) }
        }
        if !self.json { Self.emit("") }
        var results: [RoundBenchResult] = []
        for (index, configuration) in configurations.enumerated() {
            let prefix =
                "[\(index + 1)/\(configurations.count) N \(configuration.clients) C \(configuration.combiners) "
                + "\(RoundBenchReport.mib(configuration.modelMiB))]"
            let benchmark = RoundBenchmark(configuration: configuration, executables: executables, keep: self.keep) {
                BenchOutput.note("\(prefix) \($0)")
            }
            let result = try await benchmark.run()
            results.append(result)
            if self.json {
                Self.emit(Output.json(result, pretty: false))
            } else {
                RoundBenchReport.printBlock(result)
                fflush(nil)
            }
        }
        if !self.json && results.count > 1 {
            RoundBenchReport.printTable(results)
            RoundBenchReport.printChart(results)
        }
    }

    /// A line of the report on stdout, flushed at once (the report is followed live, also into a pipe).
    private static func emit(_ line: String) {
        print(line)
        fflush(nil)
    }
}
