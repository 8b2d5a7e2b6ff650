import ArgumentParser
import Foundation

/// `fedge bench connections`: many idle clients held by one combiner, with what they cost it.
struct BenchConnectionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connections",
        abstract: "Hold many idle, heartbeating clients on one combiner and measure what they cost.",
        discussion: """
            In a new temporary work directory: fedge-controller init and serve (--insecure, on 127.0.0.1), one \
            combiner and N clients enrolled over the control socket, one fedge-combiner process, and K fedge-client \
            processes running their share of the kits. Once the controller counts every client online, they are \
            held for --hold seconds while every 1.5 s the benchmark lists every client through the controller and \
            samples the combiner's memory. Reported: how long the clients took to come online; the heartbeats timed \
            during the hold (the gaps between a client's successive heartbeats, as the combiner received them), \
            and how many came more than 1.5 intervals after the one before; the combiner's resident memory before \
            the clients and while holding them, and so per client; and the CPU each tier used over the hold, in \
            percent of one core. Each client process needs two file descriptors per client and the combiner one: \
            raise ulimit -n for large N. Build in release mode (swift build -c release). Progress goes to stderr.
            """
    )

    @Option(help: "How many clients (N), 1 to 100000.")
    var clients = 10_000

    @Option(help: "Client processes (K), 1 to N, each running its share of the clients (default: N / 500, at least 1).")
    var processes: Int?

    @Option(help: "Seconds between each client's heartbeats, 2 to 600 (the controller relays them every 2 s).")
    var heartbeat: Double = 5

    @Option(help: "Seconds to hold the clients once all are online, 5 to 86400.")
    var hold: Double = 60

    @Flag(help: "Print one JSON line instead of the report.")
    var json = false

    @Flag(help: "Keep the work directory (state, kits, logs) and print its path.")
    var keep = false

    func validate() throws {
        guard (1...100_000).contains(self.clients) else { throw ValidationError("--clients must be from 1 to 100000.") }
        if let processes = self.processes, !(1...self.clients).contains(processes) {
            throw ValidationError(
                "--processes must be from 1 to --clients (\(self.clients)): each process runs one client or more."
            )
        }
        guard (2...600).contains(self.heartbeat) else {
            throw ValidationError(
                "--heartbeat must be from 2 to 600 seconds: the controller relays heartbeats every 2 s, so shorter "
                    + "intervals cannot be timed."
            )
        }
        guard (5...86_400).contains(self.hold) else { throw ValidationError("--hold must be from 5 to 86400 seconds.") }
    }

    func run() async throws {
        let executables = try BenchExecutables.locate()
        let configuration = ConnectionsBenchmark.Configuration(
            clients: self.clients,
            processes: self.processes ?? max(1, self.clients / 500),
            heartbeatSeconds: self.heartbeat,
            holdSeconds: self.hold
        )
        BenchOutput.header("connections", json: self.json)
        let benchmark = ConnectionsBenchmark(configuration: configuration, executables: executables, keep: self.keep) {
            BenchOutput.note($0)
        }
        let result = try await benchmark.run()
        if self.json {
            print(Output.json(result, pretty: false))
        } else {
            print("")
            result.printBlock()
        }
    }
}
