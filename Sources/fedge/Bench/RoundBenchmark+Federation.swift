import FedgeAPIClient
import FedgeAPIModels
import FedgeEdge
import FedgeLearning
import FedgeTensor
import Foundation

/// Setting up the federation: the controller's state, the kits, the combiner and client processes, the seed.
extension RoundBenchmark {
    /// The kits `enroll` wrote: one file per combiner, and one folder of client kits per client process.
    struct Kits: Sendable {
        var combiners: [String]
        var clientFolders: [String]
    }

    /// `fedge-controller init --home HOME`: the controller's state, its CA and its keys.
    ///
    /// - Throws: `BenchError.commandFailed` with its output when it fails.
    func initController(home: String, environment: [String: String]) async throws {
        self.progress("initialising the controller's state in \(home) …")
        let output = try await SpawnedProcess.run(
            self.executables.controller,
            ["init", "--home", home],
            timeout: .seconds(120),
            environment: environment
        )
        guard output.status == 0 else {
            throw BenchError.commandFailed(
                command: "fedge-controller init --home \(home)",
                status: output.status,
                output: output.stderr + output.stdout
            )
        }
    }

    /// Enrolls the combiners (`combiner-1` …) and the clients (`client-1` …) through the control socket and writes
    /// their kits (0600) under `work/kits`: client i's kit goes to the folder of process i mod K.
    func enroll(_ api: APIClient, in work: String) async throws -> Kits {
        let configuration = self.configuration
        self.progress("enrolling \(configuration.combiners) combiner(s) and \(configuration.clients) client(s) …")
        let folder = work + "/kits"
        let clientFolders = (1...configuration.processes).map { "\(folder)/clients-\($0)" }
        for path in [folder] + clientFolders {
            try FileManager.default.createDirectory(
                atPath: path,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
        }
        var combiners: [String] = []
        for index in 1...configuration.combiners {
            let path = "\(folder)/combiner-\(index).kit"
            let enrollment = try await api.enrollCombiner(EnrollRequest(name: "combiner-\(index)"))
            try EnrollCommandSupport.write(enrollment, to: path)
            combiners.append(path)
        }
        // A few at a time: each enrollment makes a certificate on the controller.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<configuration.clients {
                if index >= 8 { _ = try await group.next() }
                group.addTask {
                    let name = "client-\(index + 1)"
                    let enrollment = try await api.enrollClient(EnrollRequest(name: name))
                    let path = "\(clientFolders[index % configuration.processes])/\(name).kit"
                    try EnrollCommandSupport.write(enrollment, to: path)
                }
            }
            try await group.waitForAll()
        }
        return Kits(combiners: combiners, clientFolders: clientFolders)
    }

    /// Starts one `fedge-combiner serve` per kit, each on a free port of its own; returns their process ids.
    func startCombiners(
        _ kits: [String],
        controllerPort: Int,
        work: String,
        fleet: ProcessFleet
    ) throws -> [Int32] {
        self.progress("starting \(kits.count) combiner(s) …")
        return try kits.enumerated().map { index, kit in
            let port = try Loopback.freePort()
            let member = try fleet.start(
                "combiner \(index + 1)",
                self.executables.combiner,
                [
                    "serve", "--insecure", "--kit", kit, "--listen", "127.0.0.1:\(port)",
                    "--controller", "127.0.0.1:\(controllerPort)", "--home", "\(work)/c\(index + 1)",
                    "--socket", "none", "--log-level", "warning",
                ],
                log: "\(work)/combiner-\(index + 1).log"
            )
            return member.process.pid
        }
    }

    /// Starts one `fedge-client run --kit FOLDER` per folder of kits (one client per kit, in that process), with
    /// the noop trainer: every client returns the global model plus a constant.
    func startClients(_ folders: [String], work: String, fleet: ProcessFleet) throws -> [FleetTiers.ClientProcess] {
        self.progress("starting \(folders.count) client process(es) for \(self.configuration.clients) client(s) …")
        return try folders.enumerated().map { index, folder in
            let member = try fleet.start(
                "client process \(index + 1)",
                self.executables.client,
                [
                    "run", "--insecure", "--kit", folder, "--trainer", "noop", "--work-dir",
                    "\(work)/clients-\(index + 1)", "--log-level", "warning", "--heartbeat", "\(self.heartbeat)",
                ],
                log: "\(work)/clients-\(index + 1).log"
            )
            let clients = self.configuration.clients(inProcess: index)
            return FleetTiers.ClientProcess(pid: member.process.pid, clients: clients)
        }
    }

    /// Writes the seed model into `work` and uploads it as the active model.
    func uploadSeed(_ api: APIClient, in work: String) async throws -> ModelDTO {
        let path = work + "/seed.safetensors"
        self.progress("writing and uploading the \(RoundBenchReport.mib(self.configuration.modelMiB)) seed model …")
        try Self.writeSeed(params: self.configuration.params, to: path)
        return try await api.uploadModel(from: path, activate: true)
    }

    /// Writes a model of `params` Float32 values in 10 equal tensors `t0` … `t9`, uniform in [-0.5, 0.5) from a
    /// generator seeded with 1: every run uploads the same model.
    static func writeSeed(params: Int, to path: String) throws {
        let size = params / RoundBenchConfiguration.tensors
        var generator = LearningRandom(seed: 1)
        var model = InMemoryModel()
        for index in 0..<RoundBenchConfiguration.tensors {
            let values = (0..<size).map { _ in Float(generator.uniform()) - 0.5 }
            model.append(name: "t\(index)", shape: [size], floats: values)
        }
        try SafetensorsWriter.write(model, to: path)
    }
}

extension RoundBenchmark {
    /// A controller, one combiner and `clients` clients in `processes` processes on loopback, every client online,
    /// for the benchmarks that hold them (`connections`, `load`); `body` gets the federation and the work directory.
    static func withOneCombiner<Result: Sendable>(
        clients: Int,
        processes: Int,
        params: Int,
        heartbeat: Double,
        seed: Bool,
        executables: BenchExecutables,
        keep: Bool,
        progress: @escaping @Sendable (String) -> Void,
        _ body: (Federation, String) async throws -> Result
    ) async throws -> Result {
        let federation = RoundBenchmark(
            configuration: RoundBenchConfiguration(
                clients: clients,
                combiners: 1,
                params: params,
                rounds: 1,
                processes: processes,
                aggregator: "fedavg"
            ),
            executables: executables,
            keep: keep,
            heartbeat: heartbeat,
            progress: progress
        )
        return try await Self.inWorkDirectory(keep: keep, progress: progress) { work, fleet in
            try await federation.withFederation(in: work, fleet: fleet, seed: seed) { try await body($0, work) }
        }
    }
}
