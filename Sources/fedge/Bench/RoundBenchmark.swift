import FedgeAPIClient
import FedgeAPIModels
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
        let work = try Self.makeWorkDirectory()
        let environment = ProcessInfo.processInfo.environment.merging(["FEDGE_HOME": work + "/home"]) { $1 }
        let fleet = ProcessFleet(environment: environment)
        let keep = self.keep
        let cleanUp: @Sendable () -> Void = {
            fleet.stopAll()
            if !keep { try? FileManager.default.removeItem(atPath: work) }
        }
        self.progress("work directory \(work)")
        return try await Interrupts.withCleanup(cleanUp) { () async throws -> RoundBenchResult in
            do {
                let measured = try await self.measureSession(in: work, fleet: fleet)
                fleet.stopAll()
                let bytes = self.configuration.bytesPerRound(modelFileBytes: measured.modelFileBytes)
                self.progress("copying \(RoundBenchReport.mib(bytes: bytes)) through a loopback socket, best of 3 …")
                let copy = try await SocketCopyBaseline.measure(bytes: bytes)
                let result = try RoundBenchResult(
                    configuration: self.configuration,
                    session: measured.session,
                    rounds: measured.rounds,
                    modelFileBytes: measured.modelFileBytes,
                    socketCopySeconds: copy,
                    memory: measured.memory,
                    workDirectory: keep ? work : nil
                )
                cleanUp()
                return result
            } catch {
                cleanUp()
                if keep { self.progress("work directory kept: \(work)") }
                throw error
            }
        }
    }

    /// Starts the federation, waits until every node is online, and runs the session.
    private func measureSession(in work: String, fleet: ProcessFleet) async throws -> SessionMeasurement {
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
            let seed = try await self.uploadSeed(api, in: work)
            let clientProcesses = try self.startClients(kits.clientFolders, work: work, fleet: fleet)
            try await waiter.wait(for: "\(clients) client(s) to come online", seconds: 60 + Double(clients) / 10) {
                try await api.listClients(status: "online").total >= clients
            }
            let tiers = FleetTiers(
                controller: controller.process.pid,
                combiners: combinerPids,
                clients: clientProcesses
            )
            return try await self.runSession(api, tiers: tiers, waiter: waiter, modelFileBytes: seed.size)
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
