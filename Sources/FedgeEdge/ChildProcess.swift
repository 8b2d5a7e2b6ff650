package import Foundation
import Synchronization

/// Runs a shell command as a child process, forwarding its output line by line, with a timeout and cancellation.
package enum ChildProcess {
    /// How a run ended.
    package struct Outcome: Sendable {
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
        log: @escaping @Sendable (String, String) -> Void
    ) async throws -> Outcome {
        let process = Process()
        let script = command + " " + arguments.map(Self.quote).joined(separator: " ")
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        process.currentDirectoryURL = directory
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        let tail = Mutex<[String]>([])
        let outLines = LineSplitter { line in
            log("stdout", line)
            tail.withLock { $0.append(line); if $0.count > 5 { $0.removeFirst() } }
        }
        let errLines = LineSplitter { line in
            log("stderr", line)
            tail.withLock { $0.append(line); if $0.count > 5 { $0.removeFirst() } }
        }
        let openPipes = Mutex(2)
        let done = Mutex<CheckedContinuation<Void, Never>?>(nil)
        let exited = Mutex(false)
        // The process is finished once it exited and both pipes reached end of file.
        let finishIfDone: @Sendable () -> Void = {
            let ready = exited.withLock { $0 } && openPipes.withLock { $0 } == 0
            if ready, let continuation = done.withLock({ c -> CheckedContinuation<Void, Never>? in let x = c; c = nil; return x }) {
                continuation.resume()
            }
        }
        for (pipe, splitter) in [(stdout, outLines), (stderr, errLines)] {
            pipe.fileHandleForReading.readabilityHandler = { handle in
                let data = handle.availableData
                if data.isEmpty {
                    handle.readabilityHandler = nil
                    splitter.finish()
                    openPipes.withLock { $0 -= 1 }
                    finishIfDone()
                } else {
                    splitter.feed(data)
                }
            }
        }
        process.terminationHandler = { _ in
            exited.withLock { $0 = true }
            finishIfDone()
        }
        let timedOut = Mutex(false)
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                done.withLock { $0 = continuation }
                do {
                    try process.run()
                } catch {
                    log("client", "cannot start '\(command)': \(error)")
                    exited.withLock { $0 = true }
                    openPipes.withLock { $0 = 0 }
                    finishIfDone()
                    return
                }
                if let timeout {
                    let pid = process.processIdentifier
                    DispatchQueue.global().asyncAfter(deadline: .now() + Self.seconds(timeout)) {
                        if process.isRunning && process.processIdentifier == pid {
                            timedOut.withLock { $0 = true }
                            Self.stop(process)
                        }
                    }
                }
            }
        } onCancel: {
            Self.stop(process)
        }
        try Task.checkCancellation()
        if timedOut.withLock({ $0 }) {
            throw TrainerError.timedOut(entryPoint: entryPoint, seconds: timeout.map(Self.seconds) ?? 0)
        }
        let status = process.isRunning ? -1 : process.terminationStatus
        return Outcome(status: status, lastLines: tail.withLock { $0 })
    }

    /// SIGTERM to the child's process group now, SIGKILL two seconds later if it is still running.
    private static func stop(_ process: Process) {
        guard process.isRunning else { return }
        let pid = process.processIdentifier
        if kill(-pid, SIGTERM) != 0 { process.terminate() }
        DispatchQueue.global().asyncAfter(deadline: .now() + 2) {
            if process.isRunning && process.processIdentifier == pid {
                if kill(-pid, SIGKILL) != 0 { kill(pid, SIGKILL) }
            }
        }
    }

    /// Quotes `text` for /bin/sh.
    package static func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    private static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}

/// Splits a byte stream into lines and hands each complete line on.
private final class LineSplitter: Sendable {
    private let pending = Mutex<[UInt8]>([])
    private let emit: @Sendable (String) -> Void

    init(emit: @escaping @Sendable (String) -> Void) { self.emit = emit }

    func feed(_ data: Data) {
        let lines: [String] = self.pending.withLock { buffer in
            buffer.append(contentsOf: data)
            var out: [String] = []
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                out.append(String(decoding: buffer[..<newline], as: UTF8.self))
                buffer.removeSubrange(...newline)
            }
            return out
        }
        lines.forEach(self.emit)
    }

    func finish() {
        let rest = self.pending.withLock { buffer -> [UInt8] in defer { buffer = [] }; return buffer }
        if !rest.isEmpty { self.emit(String(decoding: rest, as: UTF8.self)) }
    }
}

#if canImport(Glibc)
import Glibc
#endif
