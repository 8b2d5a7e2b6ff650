import Foundation
import Yams

/// A compute package's Python environment, as FEDn's `python_env.yaml` describes it (`build_dependencies` and
/// `dependencies`, pip requirement lines): a venv made once beside the package (named by the file's content, so
/// an edited file makes a new one), whose `bin` goes first on the entry points' PATH.
enum PythonEnvironment {
    /// The environment entry points run with: `environment` with the venv first on PATH and VIRTUAL_ENV set.
    static func prepare(
        _ package: ComputePackage,
        environment: [String: String],
        timeout: Duration?,
        log: @escaping @Sendable (String, String) -> Void
    ) async throws -> [String: String] {
        guard let name = package.pythonEnvironment else { return environment }
        let file = package.directory.appendingPathComponent(name)
        guard let text = try? String(contentsOf: file, encoding: .utf8) else {
            throw TrainerError.badManifest(path: file.path, reason: "the python_env file cannot be read")
        }
        let parsed = (try? Yams.load(yaml: text)) as? [String: Any] ?? [:]
        let requirements =
            ((parsed["build_dependencies"] as? [Any]) ?? []) + ((parsed["dependencies"] as? [Any]) ?? [])
        let lines = requirements.compactMap { $0 as? String }
        // Named by the file's content (djb2: the same on every run, unlike Swift's seeded Hasher).
        let tag = String(UInt(bitPattern: text.utf8.reduce(5381) { ($0 &* 33) &+ Int($1) }), radix: 16)
        let venv = package.directory.appendingPathComponent(".fedge-venv-\(tag)")
        let ready = venv.appendingPathComponent(".fedge-ready")
        if !FileManager.default.fileExists(atPath: ready.path) {
            try? FileManager.default.removeItem(at: venv)
            log(
                "client",
                "creating the package's Python environment (\(lines.count) requirement(s)) in \(venv.lastPathComponent)"
            )
            let python = environment["FEDGE_PYTHON"] ?? "python3"
            var script = "\(ChildProcess.quote(python)) -m venv \(ChildProcess.quote(venv.path))"
            if !lines.isEmpty {
                script +=
                    " && \(ChildProcess.quote(venv.path + "/bin/python")) -m pip install --disable-pip-version-check -q "
                    + lines.map(ChildProcess.quote).joined(separator: " ")
            }
            let outcome = try await ChildProcess.run(
                entryPoint: "python_env",
                command: script,
                arguments: [],
                directory: package.directory,
                timeout: timeout,
                environment: environment,
                log: log
            )
            guard outcome.status == 0 else {
                try? FileManager.default.removeItem(at: venv)
                throw TrainerError.failed(
                    entryPoint: "python_env",
                    status: outcome.status,
                    lastLines: outcome.lastLines
                )
            }
            FileManager.default.createFile(atPath: ready.path, contents: Data())
        }
        var prepared = environment
        prepared["PATH"] = venv.path + "/bin" + (environment["PATH"].map { ":" + $0 } ?? "")
        prepared["VIRTUAL_ENV"] = venv.path
        return prepared
    }
}
