import FedgeCore
package import Foundation
import Synchronization

/// Runs a compute package's shell command as a child process (through `SpawnedProcess`), forwarding its output
/// line by line, with a timeout and cancellation.
package enum ChildProcess {
    /// How a run ended.
    package struct Outcome: Sendable {
        /// The shell's status: the exit code, or 128 plus the signal that ended it.
        package var status: Int32
        /// The last lines of output, for error reports.
        package var lastLines: [String]
    }

    /// Runs `command` followed by `arguments` (each shell-quoted) through `/bin/sh` in `directory`.
    ///
    /// Cancelling the calling task, or passing `timeout`, stops the child and everything it started: SIGTERM to its
    /// process group, then SIGKILL two seconds later.
    /// - Throws: `TrainerError.timedOut` after a timeout, `CancellationError` when cancelled.
    package static func run(
        entryPoint: String,
        command: String,
        arguments: [String],
        directory: URL,
        timeout: Duration?,
        environment: [String: String]? = nil,
        log: @escaping @Sendable (String, String) -> Void
    ) async throws -> Outcome {
        let script =
            "cd \(Self.quote(directory.path)) && " + command + " " + arguments.map(Self.quote).joined(separator: " ")
        let tail = Mutex<[String]>([])
        let output: SpawnedProcess.Output
        do {
            output = try await SpawnedProcess.run(
                "/bin/sh",
                ["-c", script],
                timeout: timeout,
                capture: false,
                environment: environment
            ) { stream, line in
                log(stream.rawValue, line)
                tail.withLock { lines in
                    lines.append(line)
                    if lines.count > 5 { lines.removeFirst() }
                }
            }
        } catch let timedOut as SpawnedProcess.TimedOut {
            throw TrainerError.timedOut(entryPoint: entryPoint, seconds: timedOut.limit.inSeconds)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            log("client", "cannot start '\(command)': \(error)")
            return Outcome(status: -1, lastLines: [])
        }
        return Outcome(status: output.status, lastLines: tail.withLock { $0 })
    }

    /// Quotes `text` for /bin/sh.
    package static func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
