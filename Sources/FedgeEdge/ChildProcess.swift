#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
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
        let script = "cd \(Self.quote(directory.path)) && " + command + " " + arguments.map(Self.quote).joined(separator: " ")
        let tail = Mutex<[String]>([])
        let remember: @Sendable (String) -> Void = { line in
            tail.withLock { lines in
                lines.append(line)
                if lines.count > 5 { lines.removeFirst() }
            }
        }
        let out = try SpawnedProcess.makePipe()
        let err = try SpawnedProcess.makePipe()
        let child: SpawnedProcess
        do {
            child = try SpawnedProcess.start("/bin/sh", ["-c", script], stdout: out.write, stderr: err.write)
        } catch {
            [out.read, out.write, err.read, err.write].forEach { _ = close($0) }
            log("client", "cannot start '\(command)': \(error)")
            return Outcome(status: -1, lastLines: [])
        }
        close(out.write)
        close(err.write)
        let state = ChildState()
        // Two reader threads (blocking reads see end of file reliably) and a thread that reaps the child, joined by
        // a dispatch group.
        let finished = DispatchGroup()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                for (fd, stream) in [(out.read, "stdout"), (err.read, "stderr")] {
                    finished.enter()
                    Thread {
                        let splitter = LineSplitter { line in
                            log(stream, line)
                            remember(line)
                        }
                        SpawnedProcess.readToEnd(fd) { splitter.feed($0) }
                        splitter.finish()
                        close(fd)
                        finished.leave()
                    }.start()
                }
                finished.enter()
                Thread {
                    let termination = child.wait()
                    state.ended(termination)
                    finished.leave()
                }.start()
                if let timeout {
                    DispatchQueue.global().asyncAfter(deadline: .now() + timeout.inSeconds) {
                        if state.markTimedOutIfRunning() { Self.stop(child, state: state) }
                    }
                }
                finished.notify(queue: .global()) { continuation.resume() }
            }
        } onCancel: {
            Self.stop(child, state: state)
        }
        try Task.checkCancellation()
        if state.timedOut {
            throw TrainerError.timedOut(entryPoint: entryPoint, seconds: timeout.map(\.inSeconds) ?? 0)
        }
        let status: Int32 = switch state.termination {
        case .exited(let code)?: code
        case .signalled(let signal)?: 128 + signal
        case nil: -1
        }
        return Outcome(status: status, lastLines: tail.withLock { $0 })
    }

    /// SIGTERM to the child's process group now, SIGKILL two seconds later if it is still running.
    private static func stop(_ child: SpawnedProcess, state: ChildState) {
        guard state.isRunning else { return }
        child.kill(SIGTERM)
        DispatchQueue.global().asyncAfter(deadline: .now() + 2) {
            if state.isRunning { child.kill(SIGKILL) }
        }
    }

    /// Quotes `text` for /bin/sh.
    package static func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

}

/// Whether the child still runs (the reaping thread knows), how it ended, and whether its time ran out.
private final class ChildState: Sendable {
    private let state = Mutex<(termination: SpawnedProcess.Termination?, timedOut: Bool)>((nil, false))

    var isRunning: Bool { self.state.withLock { $0.termination == nil } }
    var termination: SpawnedProcess.Termination? { self.state.withLock { $0.termination } }
    var timedOut: Bool { self.state.withLock { $0.timedOut } }

    func ended(_ termination: SpawnedProcess.Termination) { self.state.withLock { $0.termination = termination } }

    /// Marks a timeout unless the child already ended; returns whether it did.
    func markTimedOutIfRunning() -> Bool {
        self.state.withLock { state in
            guard state.termination == nil else { return false }
            state.timedOut = true
            return true
        }
    }
}

/// Splits a byte stream into lines and hands each complete line on.
private final class LineSplitter: Sendable {
    private let pending = Mutex<[UInt8]>([])
    private let emit: @Sendable (String) -> Void

    init(emit: @escaping @Sendable (String) -> Void) { self.emit = emit }

    func feed(_ data: UnsafeRawBufferPointer) {
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
