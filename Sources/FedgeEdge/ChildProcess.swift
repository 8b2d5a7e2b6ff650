import FedgeCore
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
        let remember: @Sendable (String) -> Void = { line in
            tail.withLock { lines in
                lines.append(line)
                if lines.count > 5 { lines.removeFirst() }
            }
        }
        let timedOut = Mutex(false)
        let running = Mutex(false)
        // Two reader threads (blocking reads see end of file reliably) and the exit, joined by a dispatch group.
        let finished = DispatchGroup()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                finished.enter()
                process.terminationHandler = { _ in finished.leave() }
                do {
                    try process.run()
                    running.withLock { $0 = true }
                } catch {
                    log("client", "cannot start '\(command)': \(error)")
                    try? stdout.fileHandleForWriting.close()
                    try? stderr.fileHandleForWriting.close()
                    finished.leave()
                }
                for (pipe, stream) in [(stdout, "stdout"), (stderr, "stderr")] {
                    finished.enter()
                    let handle = pipe.fileHandleForReading
                    let reader = Thread {
                        let splitter = LineSplitter { line in
                            log(stream, line)
                            remember(line)
                        }
                        while true {
                            let data = handle.availableData
                            if data.isEmpty { break }
                            splitter.feed(data)
                        }
                        splitter.finish()
                        finished.leave()
                    }
                    reader.start()
                }
                if let timeout, running.withLock({ $0 }) {
                    let pid = process.processIdentifier
                    DispatchQueue.global().asyncAfter(deadline: .now() + timeout.inSeconds) {
                        if process.isRunning && process.processIdentifier == pid {
                            timedOut.withLock { $0 = true }
                            Self.stop(process)
                        }
                    }
                }
                finished.notify(queue: .global()) { continuation.resume() }
            }
        } onCancel: {
            Self.stop(process)
        }
        try Task.checkCancellation()
        if timedOut.withLock({ $0 }) {
            throw TrainerError.timedOut(entryPoint: entryPoint, seconds: timeout.map(\.inSeconds) ?? 0)
        }
        let status = running.withLock { $0 } ? process.terminationStatus : -1
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
