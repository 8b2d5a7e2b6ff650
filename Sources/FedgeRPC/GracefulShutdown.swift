import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `body` until it returns or the process gets SIGINT or SIGTERM, which cancel it: the daemons' way to shut
/// down gracefully (connections drained, spool files removed) instead of dying mid-write.
package func withShutdownSignals<R: Sendable>(_ body: @escaping @Sendable () async throws -> R) async throws -> R {
    signal(SIGINT, SIG_IGN)
    signal(SIGTERM, SIG_IGN)
    signal(SIGPIPE, SIG_IGN)
    let work = Task { try await body() }
    let sources = [SIGINT, SIGTERM].map { number in
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler { work.cancel() }
        source.resume()
        return source
    }
    defer { sources.forEach { $0.cancel() } }
    return try await withTaskCancellationHandler {
        try await work.value
    } onCancel: {
        work.cancel()
    }
}
