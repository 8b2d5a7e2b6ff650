package import FedgeEdge
import Foundation

#if canImport(Glibc)
import Glibc
#endif

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

    /// Whether `python3` runs and imports numpy.
    package static let hasNumpy: Bool = {
        (try? runBlocking("/usr/bin/env", ["python3", "-c", "import numpy"]).status) == 0
    }()

    /// Whether PyPI answers (for tests that build a package's Python environment with pip).
    package static let reachesPyPI: Bool = {
        let probe = "import urllib.request; urllib.request.urlopen('https://pypi.org/simple/fedn/', timeout=10)"
        return (try? runBlocking("/usr/bin/env", ["python3", "-c", probe]).status) == 0
    }()

    /// Whether `python3 -m venv` works (Debian splits it into python3-venv).
    package static let hasVenv: Bool = {
        (try? runBlocking("/usr/bin/env", ["python3", "-c", "import venv, ensurepip"]).status) == 0
    }()

    /// The path of an executable of this package that `swift test` built next to the test bundle, or `nil`.
    package static func builtExecutable(_ name: String) -> String? {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            name
        ).path
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
    package typealias Output = SpawnedProcess.Output

    /// Runs `executable` with `arguments` to completion off the cooperative pool; a run longer than `timeout`
    /// seconds is stopped and reported as ended by a signal.
    package static func run(_ executable: String, _ arguments: [String], timeout: Double = 300) async throws -> Output {
        do {
            return try await SpawnedProcess.run(executable, arguments, timeout: .milliseconds(Int64(timeout * 1000)))
        } catch let timedOut as SpawnedProcess.TimedOut {
            return SpawnedProcess.Output(termination: .signalled(SIGTERM), stdout: "", stderr: "\(timedOut)")
        }
    }

    /// Runs `executable` with `arguments` and waits for it, blocking the calling thread.
    package static func runBlocking(_ executable: String, _ arguments: [String]) throws -> Output {
        try SpawnedProcess.runBlocking(executable, arguments)
    }
}
