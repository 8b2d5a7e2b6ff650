import FedgeAPIClient
import FedgeAPIModels
import FedgeController
import FedgeCore
import FedgeDemo
import FedgeEdge
import FedgeTensor
import FedgeTestSupport
import Foundation
import Testing

/// A compute package travels from the control plane: uploaded and activated, named by the session, fetched by each
/// client through its combiner (hash checked), extracted into the cache once, started once, run every round.
@Suite("Compute packages from the control plane")
struct SessionPackageTests {
    /// A package in the FEDn contract written in sh: train copies the model and reports 5 examples; validate reports
    /// one metric; startup leaves a mark.
    static func writePackage(in dir: String) throws -> URL {
        let root = URL(fileURLWithPath: dir + "/pkg")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let files = [
            "fedge.yaml": """
            entry_points:
              startup:
                command: sh startup.sh
              train:
                command: sh train.sh
              validate:
                command: sh validate.sh
            """,
            "startup.sh": "echo started >> startup.log\n",
            "train.sh":
                "cp \"$1\" \"$2\" && printf '{\"training_metadata\": {\"num_examples\": 5}}' > \"$2-metadata\"\n",
            "validate.sh": "printf '{\"checked\": 1, \"num_examples\": 5}' > \"$2\"\n",
        ]
        for (name, text) in files {
            try text.write(to: root.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return root
    }

    @Test("Clients without a trainer run the active package, fetched through their combiner and cached by hash")
    func sessionRunsTheActivePackage() async throws {
        try await withTemporaryDirectory { dir in
            let archive = dir + "/pkg.tgz"
            try PackageArchive.create(from: try Self.writePackage(in: dir), to: URL(fileURLWithPath: archive))
            let packageID = try ModelID.ofFile(atPath: archive)
            let seedPath = dir + "/seed.safetensors"
            _ = try SafetensorsWriter.write(seedModel(), to: seedPath)
            let trainers: [any Trainer] = (0..<3).map { _ in SessionPackageTrainer(timeout: .seconds(60)) }
            try await LiveController.with(directory: dir, logger: testLogger) { live in
                try await LiveFederation.with(
                    directory: dir,
                    controllerPort: live.grpcPort,
                    combiners: ["alpha", "beta"],
                    trainers: trainers,
                    enroll: live.enroll,
                    logger: testLogger,
                    combinersReady: { await live.controller.hub.attachments().count == 2 }
                ) {
                    try await APIClient.withClient(endpoint: .unixSocket(live.socket)) { api in
                        _ = try await api.uploadModel(from: seedPath, activate: true)
                        let uploaded = try await api.uploadPackage(from: archive, name: "sh-package", activate: true)
                        #expect(uploaded.id == packageID.hex && uploaded.active)
                        #expect(try await api.listPackages().items.map(\.id) == [packageID.hex])
                        #expect(try await eventually { try await api.listClients(status: "online").total == 3 })
                        let session = try await api.createSession(
                            SessionConfigDTO(
                                rounds: 2,
                                roundTimeout: TestTime.scaled(30),
                                clientsRequired: 3,
                                validate: true
                            )
                        )
                        #expect(session.config.packageId == packageID.hex)
                        #expect(try await eventually { try await api.session(session.id).status == "finished" })
                        let rounds = try await api.sessionRounds(session.id).items
                        #expect(rounds.map(\.status) == ["committed", "committed"], "\(rounds.map(\.reason))")
                        // Every round validated by the three clients; the package's metric is the round's mean.
                        #expect(try await api.listValidations().total == 6)
                        let checked = try await api.listMetrics(session: session.id).items.filter {
                            $0.name == "checked"
                        }
                        #expect(checked.count == 2 && checked.allSatisfy { $0.client == nil && $0.value == 1 })
                    }
                }
            }
            // Each client extracted the package once, into its cache under the package's hash, and started it once.
            for client in ["client-1", "client-2", "client-3"] {
                let cached = dir + "/edge/\(client)/packages/\(packageID.hex)"
                #expect(FileManager.default.fileExists(atPath: cached + "/fedge.yaml"), "\(client)")
                let log = (try? String(contentsOfFile: cached + "/startup.log", encoding: .utf8)) ?? ""
                #expect(log == "started\n", "\(client): \(log)")
            }
        }
    }

    @Test(
        "A FEDn-layout package (.npz models, FEDn metadata) runs a whole session unchanged: each round the mean of the clients' +1",
        .enabled(if: ExternalTools.hasNumpy, "needs python3 with numpy")
    )
    func fednLayoutPackageRunsASession() async throws {
        try await withTemporaryDirectory { dir in
            let archive = dir + "/fedn.tgz"
            let fixture = ExternalTools.repositoryRoot + "/Tests/FedgeEdgeTests/Fixtures/fedn-style"
            try PackageArchive.create(from: URL(fileURLWithPath: fixture), to: URL(fileURLWithPath: archive))
            var seed = InMemoryModel()
            seed.append(name: "w", shape: [4], floats: [0, 0, 0, 0])
            let seedPath = dir + "/seed.safetensors"
            _ = try SafetensorsWriter.write(seed, to: seedPath)
            let trainers: [any Trainer] = (0..<2).map { _ in SessionPackageTrainer(timeout: .seconds(60)) }
            try await LiveController.with(directory: dir, logger: testLogger) { live in
                try await LiveFederation.with(
                    directory: dir,
                    controllerPort: live.grpcPort,
                    combiners: ["alpha"],
                    trainers: trainers,
                    enroll: live.enroll,
                    logger: testLogger,
                    combinersReady: { await live.controller.hub.attachments().count == 1 }
                ) {
                    try await APIClient.withClient(endpoint: .unixSocket(live.socket)) { api in
                        _ = try await api.uploadModel(from: seedPath, activate: true)
                        let package = try await api.uploadPackage(from: archive, name: "fedn-style")
                        #expect(try await eventually { try await api.listClients(status: "online").total == 2 })
                        let session = try await api.createSession(
                            SessionConfigDTO(
                                rounds: 2,
                                roundTimeout: TestTime.scaled(60),
                                clientsRequired: 2,
                                validate: false,
                                packageId: package.id
                            )
                        )
                        #expect(try await eventually { try await api.session(session.id).status == "finished" })
                        let rounds = try await api.sessionRounds(session.id).items
                        #expect(rounds.map(\.status) == ["committed", "committed"], "\(rounds.map(\.reason))")
                        let final = dir + "/final.safetensors"
                        try await api.downloadModel(try await api.activeModel().id, to: final)
                        let file = try SafetensorsFile(path: final)
                        #expect(file.descriptors.map(\.name) == ["w"])
                        #expect(RandomModel.flatFloats(file) == [2, 2, 2, 2])
                    }
                }
            }
        }
    }

    @Test("A session naming an unknown package is refused, and changes nothing")
    func unknownPackageIsRefused() async throws {
        try await withTemporaryDirectory { dir in
            let seedPath = dir + "/seed.safetensors"
            _ = try SafetensorsWriter.write(seedModel(), to: seedPath)
            try await LiveController.with(directory: dir, logger: testLogger) { live in
                try await APIClient.withClient(endpoint: .unixSocket(live.socket)) { api in
                    _ = try await api.uploadModel(from: seedPath, activate: true)
                    await #expect {
                        try await api.createSession(SessionConfigDTO(rounds: 1, packageId: "abcdef0123"))
                    } throws: { "\($0)".contains("No package id starts with") }
                    #expect(try await api.listSessions().total == 0)
                }
            }
        }
    }
}
