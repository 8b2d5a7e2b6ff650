import FedgeAPIClient
import FedgeAPIModels
import FedgeEdge
import FedgeSecurity
import FedgeTensor
import FedgeTestSupport
import Foundation
import Testing

/// The three daemons as separate processes, stopped with SIGTERM in the middle of a round.
@Suite("Graceful shutdown", .serialized)
struct ShutdownTests {
    /// A compute package whose training takes a minute: the round is surely open when the signals come.
    static func slowPackage(in dir: String) throws -> String {
        let package = dir + "/slow-package"
        try FileManager.default.createDirectory(atPath: package, withIntermediateDirectories: true)
        try """
        entry_points:
          train:
            command: sh train.sh
          validate:
            command: sh validate.sh
        """.write(toFile: package + "/fedge.yaml", atomically: true, encoding: .utf8)
        try """
        sleep 60
        cp "$1" "$2"
        echo '{"num_examples": 1}' > "$2-metadata"
        """.write(toFile: package + "/train.sh", atomically: true, encoding: .utf8)
        try "echo '{\"accuracy\": 1}' > \"$2\"\n".write(
            toFile: package + "/validate.sh",
            atomically: true,
            encoding: .utf8
        )
        return package
    }

    /// Waits, off the cooperative pool, for `process` to end; `nil` when it did not within `limit`.
    static func exit(of process: SpawnedProcess, within limit: Duration) async -> SpawnedProcess.Termination? {
        let started = ContinuousClock.now
        while ContinuousClock.now - started < limit {
            if let termination = process.poll() { return termination }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// Processes whose command line mentions `text` (children a daemon left behind).
    static func processes(mentioning text: String) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { $0.allSatisfy(\.isNumber) }.compactMap { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
            let line = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            return line.contains(text) ? "\(pid): \(line)" : nil
        }
    }

    /// Files a daemon writes only while it works and must not leave: spooled transfers, task directories, uploads
    /// and partials in flight, temporary files of the blob and model stores.
    static func halfWritten(under root: String) -> [String] {
        let all = (try? FileManager.default.subpathsOfDirectory(atPath: root)) ?? []
        return all.filter { path in
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: root + "/" + path, isDirectory: &isDirectory)
            guard !isDirectory.boolValue else { return false }
            let parts = path.split(separator: "/").map(String.init)
            let name = parts.last ?? ""
            return parts.contains { ["spool", "partials", "tasks", "uploads"].contains($0) }
                || name.hasPrefix(".new-") || name.hasPrefix(".incoming-") || name.hasPrefix("upload-")
        }
    }

    @Test(
        "SIGTERM in the middle of a round ends the client, the combiner and the controller within 5 s each, leaving no half-written file and no child"
    )
    func sigtermMidRound() async throws {
        guard let controllerBinary = ExternalTools.builtExecutable("fedge-controller"),
            let combinerBinary = ExternalTools.builtExecutable("fedge-combiner"),
            let clientBinary = ExternalTools.builtExecutable("fedge-client")
        else {
            Issue.record("the daemons were not built")
            return
        }
        try await withTemporaryDirectory { dir in
            let package = try Self.slowPackage(in: dir)
            try SafetensorsWriter.write(seedModel(), to: dir + "/seed.safetensors")
            let (controllerPort, combinerPort) = (try freePort(), try freePort())
            try await ProcessIdentities.initController(controllerBinary, home: dir + "/ctl")
            let controller = try launch(
                controllerBinary,
                [
                    "serve", "--insecure", "--home", dir + "/ctl", "--listen", "127.0.0.1:\(controllerPort)",
                    "--listen-api", "none",
                ],
                log: dir + "/controller.log"
            )
            // Kits from the running controller, over its control socket, as an operator enrolls nodes.
            let enroll = ProcessIdentities.enroll(socket: dir + "/ctl/run/controller.sock")
            let combinerKit = try ProcessIdentities.write(try await enroll(.combiner, "c1"), to: dir + "/c1.kit")
            let clientKit = try ProcessIdentities.write(try await enroll(.client, "edge-1"), to: dir + "/edge-1.kit")
            let combiner = try launch(
                combinerBinary,
                [
                    "serve", "--insecure", "--kit", combinerKit, "--listen", "127.0.0.1:\(combinerPort)",
                    "--controller",
                    "127.0.0.1:\(controllerPort)",
                    "--advertise", "127.0.0.1:\(combinerPort)", "--home", dir + "/cmb", "--socket", "none",
                ],
                log: dir + "/combiner.log"
            )
            let client = try launch(
                clientBinary,
                [
                    "run", "--controller", "127.0.0.1:\(controllerPort)", "--insecure", "--package", package, "--kit",
                    clientKit,
                    "--work-dir", dir + "/edge", "--heartbeat", "0.5",
                ],
                log: dir + "/client.log"
            )
            defer {
                for process in [client, combiner, controller] {
                    process.kill(SIGKILL)
                    _ = process.isRunning()
                }
            }

            try await APIClient.withClient(endpoint: .unixSocket(dir + "/ctl/run/controller.sock")) { api in
                #expect(try await eventually(timeout: .seconds(30)) { (try? await api.health()) != nil })
                _ = try await api.uploadModel(from: dir + "/seed.safetensors", activate: true)
                #expect(
                    try await eventually(timeout: .seconds(30)) {
                        try await api.listClients(status: "online").total == 1
                    }
                )
                _ = try await api.createSession(SessionConfigDTO(rounds: 1, roundTimeout: 120, validate: false))
            }
            // The client is training: its task directory holds the global model and the package is sleeping.
            #expect(
                try await eventually(timeout: .seconds(30)) {
                    !Self.processes(mentioning: "sleep 60").isEmpty
                        && ((try? FileManager.default.subpathsOfDirectory(atPath: dir + "/edge")) ?? []).contains {
                            $0.hasSuffix("global.safetensors")
                        }
                }
            )

            for (name, process) in [
                ("fedge-client", client), ("fedge-combiner", combiner), ("fedge-controller", controller),
            ] {
                process.kill(SIGTERM)
                let termination = await Self.exit(of: process, within: .seconds(5))
                #expect(
                    termination == .exited(0),
                    "\(name) did not end cleanly within 5 s: \(String(describing: termination))"
                )
            }
            #expect(Self.processes(mentioning: package).isEmpty, "the compute package outlived its client")
            #expect(Self.halfWritten(under: dir).isEmpty, "left behind: \(Self.halfWritten(under: dir))")
        }
    }
}
