import Dispatch
import FedgeCore
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The floor a round's transfers are compared with: the time a plain loopback TCP connection takes to carry the
/// same number of bytes, one thread sending 1 MiB buffers and another reading them into a 1 MiB buffer.
enum SocketCopyBaseline {
    /// The size of each side's buffer.
    static let bufferSize = 1 << 20

    #if canImport(Glibc)
    /// No SIGPIPE when the reader is gone: `send` fails with EPIPE instead (Darwin: SO_NOSIGPIPE on the socket).
    private static let sendFlags = Int32(MSG_NOSIGNAL)
    #else
    private static let sendFlags: Int32 = 0
    #endif

    /// The fastest of `repetitions` copies of `bytes` through fresh loopback connections, in seconds.
    ///
    /// Runs on two threads of its own, off the cooperative pool; call it when nothing else is running.
    /// - Throws: `BenchError.socket` or `BenchError.shortCopy`.
    static func measure(bytes: Int64, repetitions: Int = 3) async throws -> Double {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Double, any Error>) in
            Thread {
                do {
                    var best = Double.infinity
                    for _ in 0..<max(1, repetitions) {
                        let seconds = try Self.copyOnce(bytes: bytes)
                        best = min(best, seconds)
                    }
                    continuation.resume(returning: best)
                } catch {
                    continuation.resume(throwing: error)
                }
            }.start()
        }
    }

    /// One copy of `bytes` through a new connection, from the writer's start to the reader's last byte, in
    /// seconds. Blocks the calling thread, which reads; a second thread writes.
    static func copyOnce(bytes: Int64) throws -> Double {
        let (writer, reader) = try Loopback.connectedPair()
        let written = DispatchSemaphore(value: 0)
        let sender = Thread {
            Self.pump(bytes, to: writer)
            close(writer)
            written.signal()
        }
        var buffer = [UInt8](repeating: 0, count: Self.bufferSize)
        var received: Int64 = 0
        let start = ContinuousClock.now
        sender.start()
        buffer.withUnsafeMutableBytes { raw in
            while received < bytes {
                let count = read(reader, raw.baseAddress, raw.count)
                if count > 0 {
                    received += Int64(count)
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    break  // end of stream (the writer gave up) or an error
                }
            }
        }
        let elapsed = ContinuousClock.now - start
        // Closing the reader first makes a writer still sending fail at once rather than block.
        close(reader)
        written.wait()
        guard received == bytes else { throw BenchError.shortCopy(received: received, expected: bytes) }
        return elapsed.inSeconds
    }

    /// Sends `bytes` bytes on `fd` in buffers of `bufferSize`, stopping at the first error.
    private static func pump(_ bytes: Int64, to fd: Int32) {
        let buffer = [UInt8](repeating: 0x5A, count: Self.bufferSize)
        buffer.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var left = bytes
            while left > 0 {
                let chunk = Int(min(Int64(raw.count), left))
                var sent = 0
                while sent < chunk {
                    let count = send(fd, base + sent, chunk - sent, Self.sendFlags)
                    if count < 0 {
                        if errno == EINTR { continue }
                        return
                    }
                    sent += count
                }
                left -= Int64(chunk)
            }
        }
    }
}
