import ArgumentParser
import Foundation

/// `fedge bench load`: many heartbeating clients on one combiner, rounds with hundreds of participants, the REST
/// API read by many and the event stream followed, for minutes.
struct BenchLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Hold many clients on one combiner while rounds run, the REST API is read and events followed.",
        discussion: """
            In a new temporary work directory: fedge-controller init and serve (--insecure, on 127.0.0.1), one \
            combiner and N clients enrolled over the control socket, one fedge-combiner process and K fedge-client \
            processes (noop trainer). Once the controller counts every client online, a session runs rounds that \
            ask P clients each, for --duration seconds, while R readers ask the REST API (over the control socket, \
            each on its own connection) what a dashboard asks — sessions, a session, its rounds, clients, \
            combiners, models, events, health — as fast as it answers, and a follower reads the live event \
            stream as `fedge console` does. Every 1.5 s every client is listed through the controller to time \
            the heartbeats. Reported: rounds committed and failed (with the reasons), their durations and \
            participants, late heartbeats, the readers' answers, speed and errors, the events followed, refusals \
            in the audit trail, each tier's peak memory and its CPU. With --console, `fedge console` runs meanwhile \
            in a detached tmux terminal: its screen is read every 2 s and its keys pressed, and the report says \
            what it showed, how fast its keys answered, its memory and CPU. Exits with status 1 when the run was \
            not clean. Build in release mode (swift build -c release); raise ulimit -n for large N. Progress goes to \
            stderr.
            """
    )

    @Option(help: "How many clients (N), 1 to 100000.")
    var clients = 2_000

    @Option(help: "Clients asked each round (P), 1 to N.")
    var participants = 500

    @Option(help: "Client processes (K), 1 to N (default: N / 500, at least 1).")
    var processes: Int?

    @Option(help: "The model's Float32 parameters, in 10 equal tensors: a multiple of 10 (262140 is about 1 MiB).")
    var params = 262_140

    @Option(help: "Seconds between each client's heartbeats, 2 to 600.")
    var heartbeat: Double = 5

    @Option(help: "Seconds to run the load once every client is online, 10 to 86400.")
    var duration: Double = 600

    @Option(help: "Concurrent REST readers (R), 0 to 1000.")
    var readers = 50

    @Flag(help: "Also run fedge console in a tmux terminal, reading its screen and pressing its keys (needs tmux).")
    var console = false

    @Flag(help: "Print one JSON line instead of the report.")
    var json = false

    @Flag(help: "Keep the work directory (state, kits, logs) and print its path.")
    var keep = false

    func validate() throws {
        guard (1...100_000).contains(self.clients) else { throw ValidationError("--clients must be from 1 to 100000.") }
        guard (1...self.clients).contains(self.participants) else {
            throw ValidationError("--participants must be from 1 to --clients (\(self.clients)).")
        }
        if let processes = self.processes, !(1...self.clients).contains(processes) {
            throw ValidationError("--processes must be from 1 to --clients (\(self.clients)).")
        }
        guard self.params >= 10, self.params % 10 == 0 else {
            throw ValidationError("--params must be a positive multiple of 10 (the model has 10 equal tensors).")
        }
        guard (2...600).contains(self.heartbeat) else { throw ValidationError("--heartbeat must be from 2 to 600 s.") }
        guard (10...86_400).contains(self.duration) else {
            throw ValidationError("--duration must be from 10 to 86400 seconds.")
        }
        guard (0...1000).contains(self.readers) else { throw ValidationError("--readers must be from 0 to 1000.") }
    }

    func run() async throws {
        let executables = try BenchExecutables.locate()
        let configuration = LoadBenchmark.Configuration(
            clients: self.clients,
            participants: self.participants,
            processes: self.processes ?? max(1, self.clients / 500),
            params: self.params,
            heartbeatSeconds: self.heartbeat,
            durationSeconds: self.duration,
            readers: self.readers,
            console: self.console
        )
        BenchOutput.header("load", json: self.json)
        let benchmark = LoadBenchmark(configuration: configuration, executables: executables, keep: self.keep) {
            BenchOutput.note($0)
        }
        let result = try await benchmark.run()
        if self.json {
            print(Output.json(result, pretty: false))
        } else {
            print("")
            result.printBlock()
        }
        if !result.clean { throw ExitCode(1) }
    }
}
