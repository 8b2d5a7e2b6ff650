#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
package import Foundation

/// A child process started with `posix_spawn` in a process group of its own and reaped with `waitpid`: what
/// compute packages run in, and what tests start programs with.
///
/// Foundation's `Process` learns of its children's exits from a SIGCHLD monitor that, with many processes started
/// from several threads at once (a parallel test run), missed an exit: `waitUntilExit()` then waited forever on a
/// child that was long gone (a zombie). Here the waiting thread reaps its own child.
package struct SpawnedProcess: Sendable {
    package let pid: Int32

    /// How a child ended.
    package enum Termination: Sendable, Hashable {
        case exited(Int32)
        case signalled(Int32)
    }

    /// Starts `executable` (an absolute path) in a process group of its own, with `stdout` and `stderr` as its
    /// output (file descriptors, or /dev/null when `nil`) and standard input from /dev/null. Descriptors of the
    /// caller that are not close-on-exec are inherited: give pipes `FD_CLOEXEC` (see `makePipe()`).
    package static func start(_ executable: String, _ arguments: [String], stdout: Int32? = nil, stderr: Int32? = nil) throws -> SpawnedProcess {
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
        if let stdout { posix_spawn_file_actions_adddup2(&actions, stdout, 1) } else { posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0) }
        if let stderr { posix_spawn_file_actions_adddup2(&actions, stderr, 2) } else { posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0) }
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
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
        let low = status & 0x7f
        return low == 0 ? .exited((status >> 8) & 0xff) : .signalled(low)
    }

    /// Whether the child is still running (it is reaped if it ended).
    package func isRunning() -> Bool {
        var status: Int32 = 0
        return waitpid(self.pid, &status, WNOHANG) == 0
    }
}
