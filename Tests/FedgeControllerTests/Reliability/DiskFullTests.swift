import FedgeAPIClient
import FedgeAPIModels
import FedgeCore
import FedgeDemo
import FedgeEdge
import FedgeStore
import FedgeTensor
import FedgeTestSupport
import Foundation
import Testing

/// The controller's disk fills up: its home is a size-limited tmpfs (mounting one needs root, as on these
/// machines and in CI; elsewhere the test skips).
@Suite("The controller's disk fills up", .serialized)
struct DiskFullTests {
    static let mountable: Bool = {
        guard getuid() == 0, FileManager.default.fileExists(atPath: "/bin/mount") else { return false }
        let probe = FileManager.default.temporaryDirectory.appendingPathComponent("fedge-mount-probe-\(getpid())").path
        try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: probe) }
        guard
            (try? ExternalTools.runBlocking("/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", probe]))?.status
                == 0
        else { return false }
        _ = try? ExternalTools.runBlocking("/bin/umount", [probe])
        return true
    }()

    /// A round whose partial (1 MiB left) or new model (6 MiB left: the 4 MiB partial fits, the model after it
    /// does not) cannot be stored fails with the system's reason, commits nothing and corrupts nothing; once space
    /// returns the next session commits, and the trail and the audit chain verify. With 64 KiB left even the
    /// database's log runs out, so that the session's failure itself cannot be stored: the session then waits, and
    /// ends (failed, saying why) once space returns.
    @Test(
        .enabled(if: DiskFullTests.mountable, "needs root to mount a size-limited tmpfs"),
        arguments: [1 << 20, 6 << 20, 64 << 10]
    )
    func fullDiskFailsTheRoundCleanlyAndRecovers(leaving free: Int) async throws {
        try await withTemporaryDirectory { dir in
            let home = dir + "/controller-disk"
            try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
            let mounted = try ExternalTools.runBlocking("/bin/mount", ["-t", "tmpfs", "-o", "size=24m", "tmpfs", home])
            try #require(mounted.status == 0, "mount failed: \(mounted.stderr)")
            defer { _ = try? ExternalTools.runBlocking("/bin/umount", ["-l", home]) }

            let trainers: [any Trainer] = (1...2).map { i in
                RecordingTrainer(delta: Float(i) * 0.01, weight: 1, record: URL(fileURLWithPath: dir + "/recorded"))
            }
            let seedPath = dir + "/seed.safetensors"
            try SafetensorsWriter.write(seedModel(elements: 1 << 20), to: seedPath)  // 4 MiB
            let filler = home + "/filler"
            try await LiveController.with(directory: home, uploadGrace: .seconds(2), logger: testLogger) { live in
                try await LiveFederation.with(
                    directory: dir + "/nodes",
                    controllerPort: live.grpcPort,
                    combiners: ["alpha"],
                    trainers: trainers,
                    enroll: live.enroll,
                    logger: testLogger
                ) {
                    try await APIClient.withClient(endpoint: .unixSocket(live.socket)) { api in
                        _ = try await api.uploadModel(from: seedPath, activate: true)
                        #expect(try await eventually { try await api.listClients(status: "online").total == 2 })
                        try Self.fill(filler, leaving: free, on: home)
                        let filled = Self.usage(of: home)

                        let full = try await api.createSession(
                            SessionConfigDTO(rounds: 1, roundTimeout: TestTime.scaled(40), validate: false)
                        )
                        if !(try await eventually(timeout: .seconds(30)) { try await api.session(full.id).hasEnded }) {
                            // Not even the failure could be stored: space returns, and the session ends.
                            try FileManager.default.removeItem(atPath: filler)
                            #expect(
                                try await eventually(timeout: .seconds(30)) {
                                    try await api.session(full.id).hasEnded
                                },
                                "the session did not end once space returned: \(Self.usage(of: home))"
                            )
                        }
                        let failed = try await api.sessionRounds(full.id).items
                        // Once (in many runs) the 6 MiB case committed: what held the space then, and what after?
                        #expect(
                            failed.map(\.status) == ["failed"],
                            "after filling: \(filled)\nnow: \(Self.usage(of: home))"
                        )
                        let reason = failed.first?.reason ?? ""
                        // The system's words: "No space left on device", or SQLite's "database or disk is full".
                        #expect(
                            reason.contains("space") || reason.contains("disk is full"),
                            "the reason does not say the disk is full: \(reason)"
                        )
                        #expect(failed.first?.model == nil)
                        #expect(try await api.verifyTrail().problems.isEmpty)

                        try? FileManager.default.removeItem(atPath: filler)
                        let recovered = try await api.createSession(
                            SessionConfigDTO(rounds: 2, roundTimeout: TestTime.scaled(40), validate: false)
                        )
                        #expect(try await eventually { try await api.session(recovered.id).status == "finished" })
                        let rounds = try await api.sessionRounds(recovered.id).items
                        #expect(rounds.map(\.status) == ["committed", "committed"])
                        #expect(try await api.verifyTrail().problems.isEmpty)
                    }
                }
            }
            let database = try FedgeDatabase(path: home + "/controller/state.sqlite")
            await #expect(try database.verifyAuditTrail() == nil)
        }
    }

    /// The free bytes of the file system holding `directory`, and its files of 256 KiB or more, for failure messages.
    static func usage(of directory: String) -> String {
        let attributes = try? FileManager.default.attributesOfFileSystem(forPath: directory)
        let free = (attributes?[.systemFreeSize] as? NSNumber)?.intValue ?? -1
        var files: [String] = []
        let walker = FileManager.default.enumerator(atPath: directory)
        while let path = walker?.nextObject() as? String {
            let size = (walker?.fileAttributes?[.size] as? NSNumber)?.intValue ?? 0
            if size >= 256 << 10 { files.append("\(path) \(size >> 10) KiB") }
        }
        return "\(free >> 10) KiB free; \(files.sorted().joined(separator: ", "))"
    }

    /// Writes `path` until the file system holding `directory` has `leaving` bytes free.
    static func fill(_ path: String, leaving: Int, on directory: String) throws {
        let attributes = try FileManager.default.attributesOfFileSystem(forPath: directory)
        let free = (attributes[.systemFreeSize] as? NSNumber)?.intValue ?? 0
        let size = max(0, free - leaving)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path).creatingIfMissing())
        defer { try? handle.close() }
        let block = Data(repeating: 0xA5, count: 1 << 20)
        var written = 0
        while written < size {
            let piece = min(block.count, size - written)
            try handle.write(contentsOf: block.prefix(piece))
            written += piece
        }
    }
}

extension URL {
    fileprivate func creatingIfMissing() -> URL {
        if !FileManager.default.fileExists(atPath: self.path) {
            FileManager.default.createFile(atPath: self.path, contents: nil)
        }
        return self
    }
}
