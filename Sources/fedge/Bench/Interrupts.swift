import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ctrl-C (SIGINT) and SIGTERM while `fedge bench round` runs. Its processes run in process groups of their own,
/// out of reach of the terminal's signals, so the benchmark stops them itself before it exits.
enum Interrupts {
    /// Runs `body`; a SIGINT or SIGTERM meanwhile runs `cleanup` (on a dispatch queue) and then exits with 128 plus
    /// the signal's number. The default handling of both signals is back once `body` returns or throws.
    static func withCleanup<Result>(
        _ cleanup: @escaping @Sendable () -> Void,
        _ body: () async throws -> Result
    ) async throws -> Result {
        let numbers = [SIGINT, SIGTERM]
        let sources = numbers.map { number in
            _ = signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                cleanup()
                exit(128 + number)
            }
            source.resume()
            return source
        }
        defer {
            for source in sources { source.cancel() }
            for number in numbers { _ = signal(number, SIG_DFL) }
        }
        return try await body()
    }
}
