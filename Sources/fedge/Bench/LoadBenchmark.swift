import FedgeAPIClient
import FedgeAPIModels
import FedgeCore
import Foundation
import NIOConcurrencyHelpers

/// `fedge bench load`, run for real: a controller, one combiner and N heartbeating clients in K processes on
/// loopback, held for a while as a session runs rounds with P participants each, while R readers ask the REST API
/// what an operator's dashboard asks and one follower reads the live event stream as `fedge console` does. Measured:
/// every tier's memory and CPU, the rounds (how many, how long, how many took part, why any failed), the
/// heartbeats' timing, the readers' answers (how many, how fast, which failed) and the events followed.
struct LoadBenchmark: Sendable {
    /// The load: clients, participants a round, processes, the model, heartbeats, how long, how many readers.
    struct Configuration: Sendable, Hashable, Codable {
        var clients: Int
        var participants: Int
        var processes: Int
        var params: Int
        var heartbeatSeconds: Double
        var durationSeconds: Double
        var readers: Int
        /// Whether `fedge console` runs in a tmux terminal meanwhile, read and driven (`ConsoleWatch`).
        var console = false

        /// A heartbeat arriving more than half an interval after the one before is late.
        var lateAfterSeconds: Double { self.heartbeatSeconds * 1.5 }
    }

    var configuration: Configuration
    var executables: BenchExecutables
    var keep: Bool
    var progress: @Sendable (String) -> Void

    /// Starts the federation, waits for every client to come online, runs the load for its duration, measures.
    ///
    /// - Throws: A `BenchError` saying what failed, or the API client's error.
    func run() async throws -> LoadBenchResult {
        let configuration = self.configuration
        return try await RoundBenchmark.withOneCombiner(
            clients: configuration.clients,
            processes: configuration.processes,
            params: configuration.params,
            heartbeat: configuration.heartbeatSeconds,
            seed: true,
            executables: self.executables,
            keep: self.keep,
            progress: self.progress
        ) { running, work in
            try await self.load(running, socket: work + "/home/run/controller.sock", work: work)
        }
    }

    private func load(
        _ federation: RoundBenchmark.Federation,
        socket: String,
        work: String
    ) async throws
        -> LoadBenchResult
    {
        let configuration = self.configuration
        let (api, tiers) = (federation.api, federation.tiers)
        self.progress(
            "\(configuration.clients) client(s) online after \(RoundBenchReport.seconds(federation.clientsOnlineSeconds)); "
                + "rounds of \(configuration.participants), \(configuration.readers) reader(s) and a follower for "
                + "\(Int(configuration.durationSeconds)) s …"
        )
        let session = try await api.createSession(
            SessionConfigDTO(
                rounds: 100_000,
                roundTimeout: 120,
                clientsRequired: 1,
                requestedClients: configuration.participants,
                validate: false
            )
        )
        var watch = HeartbeatWatch()
        watch.observe(try await ConnectionsBenchmark.everyClient(api))
        let cpuBefore = ConnectionsBenchmark.cpu(tiers)
        let sampler = MemorySampler.start(pids: tiers.all, interval: .milliseconds(200))
        let start = ContinuousClock.now
        let deadline = start + .seconds(configuration.durationSeconds)
        let reads = ReadTally()
        let follower = Task { await Self.follow(socket: socket, into: reads) }
        let console =
            configuration.console
            ? try await ConsoleWatch.start(fedge: self.executables.fedge, socket: socket) : nil
        let watching = console.map { console in Task { await console.follow(until: deadline) } }
        var lastListing: [ClientDTO] = []
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for reader in 0..<configuration.readers {
                    group.addTask {
                        try await Self.read(
                            socket: socket,
                            session: session.id,
                            first: reader,
                            until: deadline,
                            into: reads
                        )
                    }
                }
                var lastNote = start
                while ContinuousClock.now < deadline {
                    try federation.waiter.fleet.checkRunning()
                    try await Task.sleep(for: .milliseconds(1500))
                    lastListing = try await ConnectionsBenchmark.everyClient(api)
                    watch.observe(lastListing)
                    if (ContinuousClock.now - lastNote) > .seconds(60) {
                        lastNote = ContinuousClock.now
                        let done = (try? await api.session(session.id).roundsDone) ?? 0
                        self.progress(
                            "\(Int((ContinuousClock.now - start).inSeconds)) s: \(done) round(s) ended, "
                                + "\(reads.answers) read(s) answered"
                        )
                    }
                }
                try await group.waitForAll()
            }
        } catch {
            follower.cancel()
            watching?.cancel()
            _ = sampler.stop()
            throw error
        }
        follower.cancel()
        let consoleResult = await watching?.value
        let held = (ContinuousClock.now - start).inSeconds
        let cpuAfter = ConnectionsBenchmark.cpu(tiers)
        let peaks = sampler.stop()
        // The rounds that ended during the load; the one running now is stopped with the session, not counted.
        let rounds = try await Self.everyRound(api, session: session.id)
        _ = try await api.stopSession(session.id)
        let refusals = try await api.listEvents(outcome: "refused", limit: 0).total
        func percent(_ pids: [Int32]) -> Double {
            pids.reduce(0) { $0 + (cpuAfter[$1] ?? 0) - (cpuBefore[$1] ?? 0) } / held * 100
        }
        func mib(_ pids: [Int32]) -> Double { Double(pids.reduce(Int64(0)) { $0 + (peaks[$1] ?? 0) }) / 1024 }
        let ended = rounds.filter { $0.status != "running" }
        let committed = ended.filter { $0.status == "committed" }
        var failures: [String: Int] = [:]
        for round in ended where round.status != "committed" {
            failures[String((round.reason ?? round.status).prefix(120)), default: 0] += 1
        }
        let clientPids = tiers.clients.map(\.pid)
        return LoadBenchResult(
            configuration: configuration,
            clientsOnlineSeconds: federation.clientsOnlineSeconds,
            heldSeconds: held,
            onlineAtEnd: lastListing.count { $0.status == "online" },
            roundsCommitted: committed.count,
            roundsFailed: ended.count - committed.count,
            roundFailures: failures,
            roundSeconds: Spread(committed.compactMap(\.durationSeconds)),
            participants: Spread(committed.map { Double($0.received) }),
            heartbeats: watch.gaps.count,
            lateHeartbeats: watch.late(limit: configuration.lateAfterSeconds),
            p99GapSeconds: watch.percentile(0.99),
            maxGapSeconds: watch.gaps.max() ?? 0,
            reads: reads.answers,
            readsPerSecond: Double(reads.answers) / held,
            readSeconds: Spread(reads.latencies),
            readErrors: reads.errors,
            eventsFollowed: reads.followed,
            refusals: refusals,
            controllerPeakMib: mib([tiers.controller]),
            combinerPeakMib: mib(tiers.combiners),
            clientProcessesPeakMib: mib(clientPids),
            controllerCPUPercent: percent([tiers.controller]),
            combinerCPUPercent: percent(tiers.combiners),
            clientProcessesCPUPercent: percent(clientPids),
            console: consoleResult,
            workDirectory: self.keep ? work : nil
        )
    }

    /// One reader: what a dashboard asks, in turn, as fast as answers come, until `deadline`; its own connection.
    private static func read(
        socket: String,
        session: String,
        first: Int,
        until deadline: ContinuousClock.Instant,
        into tally: ReadTally
    ) async throws {
        try await APIClient.withClient(endpoint: .unixSocket(socket), requestTimeout: .seconds(30)) { api in
            var turn = first
            while ContinuousClock.now < deadline {
                let asked = ContinuousClock.now
                do {
                    switch turn % 8 {
                    case 0: _ = try await api.listSessions(limit: 20)
                    case 1: _ = try await api.session(session)
                    case 2: _ = try await api.sessionRounds(session, limit: 20)
                    case 3: _ = try await api.listClients(limit: 100)
                    case 4: _ = try await api.listCombiners()
                    case 5: _ = try await api.listModels(limit: 20)
                    case 6: _ = try await api.listEvents(limit: 50)
                    default: _ = try await api.health()
                    }
                    tally.answered(after: (ContinuousClock.now - asked).inSeconds)
                } catch {
                    tally.failed("\(error)")
                }
                turn += 1
            }
        }
    }

    /// Follows the live event stream as the console does, counting what arrives, until cancelled; a stream that
    /// breaks is counted and opened again.
    private static func follow(socket: String, into tally: ReadTally) async {
        while !Task.isCancelled {
            do {
                try await APIClient.withClient(endpoint: .unixSocket(socket)) { api in
                    for try await _ in api.events() { tally.followedOne() }
                }
            } catch {
                if Task.isCancelled { return }
                tally.failed("event stream: \(error)")
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Every round of `session`, in pages of 1,000.
    private static func everyRound(_ api: APIClient, session: String) async throws -> [RoundDTO] {
        var rounds: [RoundDTO] = []
        while true {
            let page = try await api.sessionRounds(session, limit: 1000, offset: rounds.count)
            rounds += page.items
            if page.items.isEmpty || rounds.count >= page.total { return rounds }
        }
    }
}

/// The readers' answers (how many, how long each took), the events followed, and the errors by message.
final class ReadTally: Sendable {
    private struct State {
        var latencies: [Double] = []
        var errors: [String: Int] = [:]
        var followed = 0
    }

    private let state = NIOLockedValueBox(State())

    func answered(after seconds: Double) { self.state.withLockedValue { $0.latencies.append(seconds) } }

    func failed(_ message: String) {
        self.state.withLockedValue { $0.errors[String(message.prefix(160)), default: 0] += 1 }
    }

    func followedOne() { self.state.withLockedValue { $0.followed += 1 } }

    var answers: Int { self.state.withLockedValue { $0.latencies.count } }
    var followed: Int { self.state.withLockedValue { $0.followed } }
    var latencies: [Double] { self.state.withLockedValue { $0.latencies } }
    var errors: [String: Int] { self.state.withLockedValue { $0.errors } }
}
