import ArgumentParser

/// `fedge bench`: measurements of Fedge on this machine, each against a baseline taken in the same run.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the aggregation kernels, whole rounds, idle connections and a federation under load.",
        discussion: """
            `fedge bench kernels` (the default: `fedge bench --size-mib 64` runs it) times the aggregation kernels \
            against a memory copy. `fedge bench round` runs whole rounds through real controller, combiner and \
            client processes on loopback, and compares them with a plain loopback socket copy of the same bytes. \
            `fedge bench connections` holds many idle, heartbeating clients on one combiner and measures their \
            memory, their CPU and whether their heartbeats come on time. `fedge bench load` holds many clients \
            while rounds of hundreds run, the REST API is read by many and the event stream followed. Build in release mode for meaningful numbers: swift build -c release.
            """,
        subcommands: [
            BenchKernelsCommand.self, BenchRoundCommand.self, BenchConnectionsCommand.self, BenchLoadCommand.self,
        ],
        defaultSubcommand: BenchKernelsCommand.self
    )
}
