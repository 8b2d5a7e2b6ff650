import FedgeEdge
import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The processes of one benchmark run, each in a process group of its own with its output in a log file, and
/// all stopped together at the end: SIGTERM, then SIGKILL for any still running 5 s later. Thread-safe.
final class ProcessFleet: Sendable {
    /// One started process.
    struct Member: Sendable {
        /// What the process is, in messages (`controller`, `combiner 1`, `client process 3`).
        var name: String
        var process: SpawnedProcess
        /// Its stdout and stderr.
        var log: String
    }

    /// The environment every process gets.
    let environment: [String: String]
    /// Processes not yet seen to end nor stopped.
    private let running = NIOLockedValueBox<[Member]>([])

    init(environment: [String: String]) {
        self.environment = environment
    }

    /// Starts `executable` with `arguments`, its stdout and stderr appended to a new file `log`.
    ///
    /// - Throws: `BenchError.workDirectory` when the log cannot be created, a `POSIXError` when the program
    ///   cannot start.
    @discardableResult
    func start(_ name: String, _ executable: String, _ arguments: [String], log: String) throws -> Member {
        let fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw BenchError.workDirectory(path: log, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        let process = try SpawnedProcess.start(
            executable,
            arguments,
            stdout: fd,
            stderr: fd,
            environment: self.environment
        )
        let member = Member(name: name, process: process, log: log)
        self.running.withLockedValue { $0.append(member) }
        return member
    }

    /// Throws when a process ended on its own: the federation is broken and the benchmark cannot go on.
    ///
    /// - Throws: `BenchError.processEnded` with how it ended and the end of its log.
    func checkRunning() throws {
        let ended: (Member, SpawnedProcess.Termination)? = self.running.withLockedValue { running in
            for (index, member) in running.enumerated() {
                if let termination = member.process.poll() {
                    running.remove(at: index)
                    return (member, termination)
                }
            }
            return nil
        }
        if case let (member, termination)? = ended {
            throw BenchError.processEnded(
                name: member.name,
                termination: termination.description,
                log: member.log,
                tail: Self.tail(of: member.log)
            )
        }
    }

    /// Stops every process still running: SIGTERM to each one's process group, up to 5 s for them to exit, then
    /// SIGKILL. Blocks until they are reaped; later calls do nothing.
    func stopAll() {
        var left: [Member] = self.running.withLockedValue { running in
            defer { running.removeAll() }
            return running
        }
        for member in left { member.process.kill(SIGTERM) }
        let deadline = ContinuousClock.now + .seconds(5)
        while !left.isEmpty {
            left.removeAll { $0.process.poll() != nil }
            guard !left.isEmpty, ContinuousClock.now < deadline else { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        for member in left {
            member.process.kill(SIGKILL)
            _ = member.process.wait()
        }
    }

    /// The last lines of a log, or nothing when it cannot be read.
    static func tail(of log: String, lines: Int = 6) -> String {
        guard let text = try? String(contentsOfFile: log, encoding: .utf8) else { return "" }
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }
}
