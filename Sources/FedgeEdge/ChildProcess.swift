import FedgeCore
package import Foundation
import NIOConcurrencyHelpers

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
    /// process group, then SIGKILL two seconds later. If this process dies without stopping it (`kill -9`, a
    /// crash), the child's group is killed too: the shell holds the read end of a pipe (a lifeline) whose write end
    /// only this process holds, and a watcher in the group kills the group when the pipe reaches its end. Without it
    /// a training run would go on for hours after its client was gone, and write into a task nobody waits for.
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
        let script = Self.script(
            "cd \(Self.quote(directory.path)) && " + command + " " + arguments.map(Self.quote).joined(separator: " ")
        )
        let lifeline = try SpawnedProcess.makePipe()
        defer { close(lifeline.write) }
        let tail = NIOLockedValueBox<[String]>([])
        let output: SpawnedProcess.Output
        do {
            defer { close(lifeline.read) }
            output = try await SpawnedProcess.run(
                "/bin/sh",
                ["-c", script],
                timeout: timeout,
                capture: false,
                environment: environment,
                descriptor3: lifeline.read
            ) { stream, line in
                log(stream.rawValue, line)
                tail.withLockedValue { lines in
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
        return Outcome(status: output.status, lastLines: tail.withLockedValue { $0 })
    }

    /// `line` run by a shell that also watches descriptor 3 (the lifeline) and kills its whole process group when
    /// the lifeline ends; the command itself does not see descriptor 3. The shell exits with the command's status.
    static func script(_ line: String) -> String {
        """
        (\(line)) 3<&- &
        child=$!
        (read -r _ <&3; kill -KILL 0) </dev/null >/dev/null 2>&1 &
        watcher=$!
        exec 3<&-
        wait $child
        status=$?
        kill $watcher 2>/dev/null
        exit $status
        """
    }

    /// Quotes `text` for /bin/sh.
    package static func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
