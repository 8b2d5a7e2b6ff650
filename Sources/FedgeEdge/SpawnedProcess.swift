import FedgeCore
import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A child process started with `posix_spawn` in a process group of its own and reaped with `waitpid`: what
/// compute packages run in, and what tests start programs with. The one way Fedge starts a program.
///
/// Foundation's `Process` learns of its children's exits from a SIGCHLD monitor that, with many processes started
/// from several threads at once (a parallel test run), missed an exit: `waitUntilExit()` then waited forever on a
/// child that was long gone (a zombie). Here the waiting thread reaps its own child. The child starts with the
/// default disposition of every signal a daemon traps (a `ServiceGroup` ignores SIGTERM and SIGINT to handle them
/// itself, and ignored signals survive `exec`), so stopping its group always works.
package struct SpawnedProcess: Sendable {
    package let pid: Int32

    /// How a child ended.
    package enum Termination: Sendable, Hashable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)

        /// The status a shell would report: the exit code, or 128 plus the signal that ended the child.
        package var status: Int32 {
            switch self {
            case .exited(let code): code
            case .signalled(let signal): 128 + signal
            }
        }

        package var description: String {
            switch self {
            case .exited(let code): "exited with status \(code)"
            case .signalled(let signal): "ended by signal \(signal)"
            }
        }
    }

    /// Which output a line came from.
    package enum Stream: String, Sendable, Hashable {
        case stdout
        case stderr
    }

    /// The output of a run to completion.
    package struct Output: Sendable {
        package var termination: Termination
        /// Everything the child wrote, when the run captured it.
        package var stdout: String
        package var stderr: String

        package init(termination: Termination, stdout: String, stderr: String) {
            self.termination = termination
            self.stdout = stdout
            self.stderr = stderr
        }

        /// The shell's view of how it ended (see `Termination.status`).
        package var status: Int32 { self.termination.status }
    }

    /// The child did not end within its time limit; it was stopped.
    package struct TimedOut: Error, Hashable, CustomStringConvertible {
        package var limit: Duration
        package var description: String { "the program did not finish within \(self.limit) and was stopped" }
    }

    /// Starts `executable` (an absolute path) in a process group of its own, with `stdout` and `stderr` as its
    /// output (file descriptors, or /dev/null when `nil`) and standard input from /dev/null. Descriptors of the
    /// caller that are not close-on-exec are inherited: give pipes `FD_CLOEXEC` (see `makePipe()`). `descriptor3`,
    /// when given, is the child's descriptor 3 (a lifeline: see `ChildProcess`). The child gets `environment`, or
    /// this process's environment when `nil`.
    package static func start(
        _ executable: String,
        _ arguments: [String],
        stdout: Int32? = nil,
        stderr: Int32? = nil,
        descriptor3: Int32? = nil,
        environment: [String: String]? = nil
    ) throws -> SpawnedProcess {
        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t? = nil
        var attributes: posix_spawnattr_t? = nil
        #else
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if let stdout {
            posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        }
        if let stderr {
            posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        if let descriptor3 { posix_spawn_file_actions_adddup2(&actions, descriptor3, 3) }
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGPIPE, SIGHUP, SIGQUIT] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var noMask = sigset_t()
        sigemptyset(&noMask)
        posix_spawnattr_setsigmask(&attributes, &noMask)
        posix_spawnattr_setflags(
            &attributes,
            Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)
        )
        posix_spawnattr_setpgroup(&attributes, 0)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: Int32 = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EINVAL) }
        return SpawnedProcess(pid: pid)
    }

    /// A pipe whose two ends are close-on-exec, so that no other child keeps its write end (and its end of file).
    package static func makePipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EMFILE) }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return (fds[0], fds[1])
    }

    /// Reads `fd` to its end, retrying reads a signal interrupted, handing each chunk to `chunk`.
    package static func readToEnd(_ fd: Int32, chunk: (UnsafeRawBufferPointer) -> Void) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                buffer.withUnsafeBytes { chunk(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            } else if n == 0 || errno != EINTR {
                return
            }
        }
    }

    /// Sends `signal` to the child's process group.
    package func kill(_ signal: Int32) {
        #if canImport(Darwin)
        _ = Darwin.kill(-self.pid, signal)
        #else
        _ = Glibc.kill(-self.pid, signal)
        #endif
    }

    /// Waits for the child to end (blocking the calling thread) and reaps it.
    package func wait() -> Termination {
        var status: Int32 = 0
        while waitpid(self.pid, &status, 0) < 0 {
            if errno != EINTR { return .exited(-1) }
        }
        return Self.termination(status)
    }

    /// How the child ended, reaping it, or `nil` while it runs (does not block).
    package func poll() -> Termination? {
        var status: Int32 = 0
        return waitpid(self.pid, &status, WNOHANG) == self.pid ? Self.termination(status) : nil
    }

    /// Whether the child is still running (it is reaped if it ended).
    package func isRunning() -> Bool {
        var status: Int32 = 0
        return waitpid(self.pid, &status, WNOHANG) == 0
    }

    /// A `waitpid` status read as an exit code or a signal.
    private static func termination(_ status: Int32) -> Termination {
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
    }
}

extension SpawnedProcess {
    /// Runs `executable` with `arguments` to completion, off the cooperative pool (reader and reaper threads of
    /// its own), handing each line of output to `lines` as it comes and keeping all of it when `capture` is set.
    ///
    /// Cancelling the calling task, or passing `timeout`, stops the child and everything it started: SIGTERM to its
    /// process group, then SIGKILL two seconds later.
    /// - Throws: `TimedOut` after a timeout, `CancellationError` when cancelled, a `POSIXError` when it cannot start.
    package static func run(
        _ executable: String,
        _ arguments: [String],
        timeout: Duration? = nil,
        capture: Bool = true,
        environment: [String: String]? = nil,
        descriptor3: Int32? = nil,
        lines: (@Sendable (Stream, String) -> Void)? = nil
    ) async throws -> Output {
        let run = try Run(
            executable,
            arguments,
            capture: capture,
            environment: environment,
            descriptor3: descriptor3,
            lines: lines
        )
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                run.start { continuation.resume() }
                if let timeout {
                    DispatchQueue.global().asyncAfter(deadline: .now() + timeout.inSeconds) {
                        if run.markTimedOut() { run.stop() }
                    }
                }
            }
        } onCancel: {
            run.stop()
        }
        try Task.checkCancellation()
        if run.timedOut, let timeout { throw TimedOut(limit: timeout) }
        return run.output
    }

    /// `run` for callers that may block their thread (a test's one-time check that a tool exists).
    package static func runBlocking(
        _ executable: String,
        _ arguments: [String],
        timeout: Duration = .seconds(300)
    ) throws -> Output {
        let run = try Run(executable, arguments, capture: true, environment: nil, descriptor3: nil, lines: nil)
        let done = DispatchSemaphore(value: 0)
        run.start { done.signal() }
        if done.wait(timeout: .now() + timeout.inSeconds) == .timedOut {
            _ = run.markTimedOut()
            run.stop()
            done.wait()
            throw TimedOut(limit: timeout)
        }
        return run.output
    }
}

/// One run of a child: two reader threads (blocking reads see end of file reliably) and a thread that reaps it.
private final class Run: Sendable {
    private struct State {
        var termination: SpawnedProcess.Termination? = nil
        var timedOut = false
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
    }

    private let child: SpawnedProcess
    private let pipes: [(fd: Int32, stream: SpawnedProcess.Stream)]
    private let capture: Bool
    private let lines: (@Sendable (SpawnedProcess.Stream, String) -> Void)?
    private let state = NIOLockedValueBox(State())

    init(
        _ executable: String,
        _ arguments: [String],
        capture: Bool,
        environment: [String: String]?,
        descriptor3: Int32?,
        lines: (@Sendable (SpawnedProcess.Stream, String) -> Void)?
    ) throws {
        let out = try SpawnedProcess.makePipe()
        let err: (read: Int32, write: Int32)
        do {
            err = try SpawnedProcess.makePipe()
        } catch {
            for fd in [out.read, out.write] { close(fd) }
            throw error
        }
        do {
            self.child = try SpawnedProcess.start(
                executable,
                arguments,
                stdout: out.write,
                stderr: err.write,
                descriptor3: descriptor3,
                environment: environment
            )
        } catch {
            for fd in [out.read, out.write, err.read, err.write] { close(fd) }
            throw error
        }
        close(out.write)
        close(err.write)
        self.pipes = [(out.read, .stdout), (err.read, .stderr)]
        self.capture = capture
        self.lines = lines
    }

    /// Starts the threads; `finished` is called once the output is read to its end and the child is reaped.
    func start(finished: @escaping @Sendable () -> Void) {
        let group = DispatchGroup()
        for (fd, stream) in self.pipes {
            group.enter()
            Thread {
                let splitter = self.lines.map { emit in LineSplitter { emit(stream, $0) } }
                SpawnedProcess.readToEnd(fd) { bytes in
                    if self.capture {
                        self.state.withLockedValue { state in
                            if stream == .stdout {
                                state.stdout.append(contentsOf: bytes)
                            } else {
                                state.stderr.append(contentsOf: bytes)
                            }
                        }
                    }
                    splitter?.feed(bytes)
                }
                splitter?.finish()
                close(fd)
                group.leave()
            }.start()
        }
        group.enter()
        Thread {
            let termination = self.child.wait()
            self.state.withLockedValue { $0.termination = termination }
            group.leave()
        }.start()
        group.notify(queue: .global()) { finished() }
    }

    /// SIGTERM to the child's process group now, SIGKILL two seconds later if it is still running.
    func stop() {
        guard self.isRunning else { return }
        self.child.kill(SIGTERM)
        DispatchQueue.global().asyncAfter(deadline: .now() + 2) {
            if self.isRunning { self.child.kill(SIGKILL) }
        }
    }

    /// Marks a timeout unless the child already ended; returns whether it did.
    func markTimedOut() -> Bool {
        self.state.withLockedValue { state in
            guard state.termination == nil else { return false }
            state.timedOut = true
            return true
        }
    }

    var isRunning: Bool { self.state.withLockedValue { $0.termination == nil } }
    var timedOut: Bool { self.state.withLockedValue { $0.timedOut } }

    var output: SpawnedProcess.Output {
        self.state.withLockedValue { state in
            SpawnedProcess.Output(
                termination: state.termination ?? .exited(-1),
                stdout: String(decoding: state.stdout, as: UTF8.self),
                stderr: String(decoding: state.stderr, as: UTF8.self)
            )
        }
    }
}

/// Splits a byte stream into lines and hands each complete line on.
private final class LineSplitter: Sendable {
    private let pending = NIOLockedValueBox<[UInt8]>([])
    private let emit: @Sendable (String) -> Void

    init(emit: @escaping @Sendable (String) -> Void) { self.emit = emit }

    func feed(_ data: UnsafeRawBufferPointer) {
        let lines: [String] = self.pending.withLockedValue { buffer in
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
        let rest = self.pending.withLockedValue { buffer -> [UInt8] in
            defer { buffer = [] }
            return buffer
        }
        if !rest.isEmpty { self.emit(String(decoding: rest, as: UTF8.self)) }
    }
}
