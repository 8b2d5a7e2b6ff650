#if canImport(Glibc)
import Glibc
#endif
import FedgeEdge
import Foundation

/// Optional tools some tests need, found once; a test that needs one is skipped with a message when it is absent.
package enum ExternalTools {
    /// The repository root (the directory holding Package.swift), found from this file's path.
    package static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                return url.path
            }
        }
        return FileManager.default.currentDirectoryPath
    }()

    /// Whether `python3` runs and imports numpy and safetensors.
    package static let hasPythonSafetensors: Bool = {
        (try? runBlocking("/usr/bin/env", ["python3", "-c", "import numpy, safetensors"]).status) == 0
    }()

    /// The path of an executable of this package that `swift test` built next to the test bundle, or `nil`.
    package static func builtExecutable(_ name: String) -> String? {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name).path
        let candidates = [beside, Self.repositoryRoot + "/.build/debug/\(name)"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Whether `openssl` runs, for tests that make TLS certificates.
    package static let hasOpenSSL: Bool = {
        (try? runBlocking("/usr/bin/env", ["openssl", "version"]).status) == 0
    }()

    /// Whether tmux is installed (the console's end-to-end test drives it).
    package static let hasTmux: Bool = {
        (try? runBlocking("/usr/bin/env", ["tmux", "-V"]).status) == 0
    }()

    /// The result of running a program to completion.
    package struct Output: Sendable {
        package var status: Int32
        package var stdout: String
        package var stderr: String
    }

    /// Runs `executable` with `arguments` to completion on a thread of its own, so waiting for it never ties up
    /// the threads Swift concurrency runs tests on. A run longer than `timeout` is killed.
    package static func run(_ executable: String, _ arguments: [String], timeout: Double = 300) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try runBlocking(executable, arguments, timeout: timeout) })
            }.start()
        }
    }

    /// Runs `executable` with `arguments` and waits for it, blocking the calling thread.
    package static func runBlocking(_ executable: String, _ arguments: [String], timeout: Double = 300) throws -> Output {
        let out = try SpawnedProcess.makePipe()
        let err = try SpawnedProcess.makePipe()
        let child: SpawnedProcess
        do {
            child = try SpawnedProcess.start(executable, arguments, stdout: out.write, stderr: err.write)
        } catch {
            [out.read, out.write, err.read, err.write].forEach { _ = close($0) }
            throw error
        }
        close(out.write)
        close(err.write)
        let finished = LockedFlag()
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
            if !finished.isSet { child.kill(SIGKILL) }
        }
        // Read both pipes to the end before waiting, so a chatty child never blocks on a full pipe.
        let errData = LockedData()
        let errRead = err.read
        let errReader = Thread { errData.set(readToEnd(errRead)) }
        errReader.start()
        let outData = readToEnd(out.read)
        let termination = child.wait()
        finished.set()
        while !errData.isSet { usleep(1_000) }
        close(out.read)
        close(err.read)
        let status: Int32 = switch termination {
        case .exited(let code): code
        case .signalled(let signal): signal
        }
        return Output(status: status, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData.value, as: UTF8.self))
    }
}

/// A flag set once, read from other threads.
private final class LockedFlag: @unchecked Sendable {
    private let lock = NSLock()  // guards `value`
    private var value = false
    func set() { self.lock.withLock { self.value = true } }
    var isSet: Bool { self.lock.withLock { self.value } }
}

/// Everything `fd` yields until its end.
private func readToEnd(_ fd: Int32) -> Data {
    var data = Data()
    SpawnedProcess.readToEnd(fd) { data.append(contentsOf: $0) }
    return data
}

/// Data handed from a reader thread, guarded by `lock`.
private final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data? = nil
    func set(_ value: Data) { self.lock.withLock { self.data = value } }
    var isSet: Bool { self.lock.withLock { self.data != nil } }
    var value: Data { self.lock.withLock { self.data ?? Data() } }
}
