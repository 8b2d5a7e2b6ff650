import FedgeAPIClient
import FedgeAPIModels
import FedgeCore
import FedgeEdge
import Foundation

/// One configuration of `fedge bench round`, run for real: a controller, combiners and client processes on
/// loopback in a work directory of their own, one session of `rounds` rounds with the processes' memory sampled
/// meanwhile, then, once they have stopped, the loopback socket copy of the same bytes.
///
/// ```swift
/// let result = try await RoundBenchmark(configuration: c, executables: try .locate(), keep: false) {
///     print($0)
/// }.run()
/// ```
struct RoundBenchmark: Sendable {
    var configuration: RoundBenchConfiguration
    var executables: BenchExecutables
    /// Keep the work directory (state, kits, logs) afterwards.
    var keep: Bool
    /// Seconds between each client's heartbeats.
    var heartbeat: Double = 5
    /// Where progress lines go.
    var progress: @Sendable (String) -> Void

    /// What a session left to compute the result from.
    struct SessionMeasurement: Sendable {
        var session: String
        var rounds: [RoundDTO]
        var modelFileBytes: Int64
        var memory: RoundBenchMemory
    }

    /// Runs the configuration and measures it.
    ///
    /// Every process it started is stopped when it returns or throws, and on Ctrl-C or SIGTERM (which then end
    /// `fedge`); the work directory is removed then too, unless `keep`.
    /// - Throws: A `BenchError` saying what failed, or the API client's error.
    func run() async throws -> RoundBenchResult {
        try await Self.inWorkDirectory(keep: self.keep, progress: self.progress) { work, fleet in
            let measured = try await self.measureSession(in: work, fleet: fleet)
            fleet.stopAll()
            let bytes = self.configuration.bytesPerRound(modelFileBytes: measured.modelFileBytes)
            self.progress("copying \(RoundBenchReport.mib(bytes: bytes)) through a loopback socket, best of 3 …")
            let copy = try await SocketCopyBaseline.measure(bytes: bytes)
            return try RoundBenchResult(
                configuration: self.configuration,
                session: measured.session,
                rounds: measured.rounds,
                modelFileBytes: measured.modelFileBytes,
                socketCopySeconds: copy,
                memory: measured.memory,
                workDirectory: self.keep ? work : nil
            )
        }
    }

    /// Runs `body` with a new work directory and a fleet for its processes. Every process in the fleet is stopped
    /// when `body` returns or throws, and on Ctrl-C or SIGTERM (which then end `fedge`); the work directory is
    /// removed then too, unless `keep`.
    static func inWorkDirectory<Result: Sendable>(
        keep: Bool,
        progress: @escaping @Sendable (String) -> Void,
        _ body: (String, ProcessFleet) async throws -> Result
    ) async throws -> Result {
        let work = try Self.makeWorkDirectory()
        let environment = ProcessInfo.processInfo.environment.merging(["FEDGE_HOME": work + "/home"]) { $1 }
        let fleet = ProcessFleet(environment: environment)
        let cleanUp: @Sendable () -> Void = {
            fleet.stopAll()
            if !keep { try? FileManager.default.removeItem(atPath: work) }
        }
        progress("work directory \(work)")
        return try await Interrupts.withCleanup(cleanUp) { () async throws -> Result in
            do {
                let result = try await body(work, fleet)
                cleanUp()
                return result
            } catch {
                cleanUp()
                if keep { progress("work directory kept: \(work)") }
                throw error
            }
        }
    }

    /// Starts the federation, waits until every node is online, and runs the session.
    private func measureSession(in work: String, fleet: ProcessFleet) async throws -> SessionMeasurement {
        try await self.withFederation(in: work, fleet: fleet, seed: true) { federation in
            try await self.runSession(
                federation.api,
                tiers: federation.tiers,
                waiter: federation.waiter,
                modelFileBytes: federation.seed?.size ?? 0
            )
        }
    }

    /// A federation whose every node is online, as `withFederation` hands it over.
    struct Federation: Sendable {
        /// The controller's API, on its control socket.
        var api: APIClient
        var tiers: FleetTiers
        var waiter: FleetWaiter
        /// The active model, when one was uploaded.
        var seed: ModelDTO?
        /// Each combiner's resident KiB once it had attached, before any client started.
        var combinersBeforeClients: [Int32: Int64]
        /// From starting the client processes until the controller counted every client online.
        var clientsOnlineSeconds: Double
    }

    /// Starts the controller (state in `work/home`), enrolls and starts the combiners and the clients, uploads the
    /// seed model when `seed` is set (before the clients start), waits until every node is online, and runs `body`.
    ///
    /// - Throws: `BenchError.timedOut` when a node does not come online in time, `BenchError.processEnded` when a
    ///   process dies, and what `body` throws.
    func withFederation<Result: Sendable>(
        in work: String,
        fleet: ProcessFleet,
        seed: Bool,
        _ body: (Federation) async throws -> Result
    ) async throws -> Result {
        let home = work + "/home"
        try await self.initController(home: home, environment: fleet.environment)
        let port = try Loopback.freePort()
        self.progress("starting the controller on 127.0.0.1:\(port) …")
        let controller = try fleet.start(
            "controller",
            self.executables.controller,
            [
                "serve", "--home", home, "--insecure", "--listen", "127.0.0.1:\(port)", "--listen-api", "none",
                "--log-level", "warning",
            ],
            log: work + "/controller.log"
        )
        let waiter = FleetWaiter(fleet: fleet, log: controller.log)
        let socket = home + "/run/controller.sock"
        let (clients, combiners) = (self.configuration.clients, self.configuration.combiners)
        return try await APIClient.withClient(endpoint: .unixSocket(socket)) { api in
            try await waiter.wait(for: "the controller to answer on \(socket)", seconds: 60) {
                (try? await api.health()) != nil
            }
            let kits = try await self.enroll(api, in: work)
            let combinerPids = try self.startCombiners(kits.combiners, controllerPort: port, work: work, fleet: fleet)
            try await waiter.wait(for: "\(combiners) combiner(s) to attach to the controller", seconds: 60) {
                try await api.listCombiners(status: "online").total >= combiners
            }
            let model = seed ? try await self.uploadSeed(api, in: work) : nil
            var before: [Int32: Int64] = [:]
            for pid in combinerPids {
                if let memory = ProcessMemory.sample(pid: pid) { before[pid] = memory.residentKiB }
            }
            let started = ContinuousClock.now
            let clientProcesses = try self.startClients(kits.clientFolders, work: work, fleet: fleet)
            try await waiter.wait(for: "\(clients) client(s) to come online", seconds: 60 + Double(clients) / 10) {
                try await api.listClients(status: "online").total >= clients
            }
            let federation = Federation(
                api: api,
                tiers: FleetTiers(
                    controller: controller.process.pid,
                    combiners: combinerPids,
                    clients: clientProcesses
                ),
                waiter: waiter,
                seed: model,
                combinersBeforeClients: before,
                clientsOnlineSeconds: (ContinuousClock.now - started).inSeconds
            )
            return try await body(federation)
        }
    }

    /// A new, private directory under the temporary directory.
    private static func makeWorkDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("fedge-bench-\(UUID().uuidString.prefix(8).lowercased())").path
        do {
            try FileManager.default.createDirectory(
                atPath: path,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
        } catch {
            throw BenchError.workDirectory(path: path, reason: "\(error)")
        }
        return path
    }
}
