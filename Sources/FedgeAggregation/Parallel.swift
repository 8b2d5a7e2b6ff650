import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits element ranges across the machine's cores for the large kernels.
package enum Parallel {
    /// Below this many elements a kernel runs on the calling thread: spreading it costs more than it saves.
    package static let minimumElementsPerChunk = 1 << 18

    /// The number of threads a large kernel uses. Fixed per process; tests may lower it.
    package static let defaultWidth = max(1, OnlineCores.count)

    /// Calls `body` once per contiguous chunk of `0..<count`, concurrently when the work is large enough.
    ///
    /// Chunk boundaries fall on multiples of 16, so SIMD loops only see a tail in the last chunk. `body` must be
    /// safe to run concurrently on disjoint ranges.
    package static func forEachChunk(count: Int, width: Int = Parallel.defaultWidth, _ body: (Range<Int>) -> Void) {
        let chunks = min(width, count / Self.minimumElementsPerChunk)
        if chunks <= 1 {
            body(0..<count)
            return
        }
        let per = ((count / chunks) + 15) & ~15
        // The chunks are disjoint and `concurrentPerform` returns only after all of them ran, so the kernel's
        // pointers never outlive the call nor see two writers: the one place the checker is told to trust us.
        nonisolated(unsafe) let body = body
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let start = min(count, chunk * per)
            let end = chunk == chunks - 1 ? count : min(count, start + per)
            if start < end { body(start..<end) }
        }
    }
}

/// The number of cores online, from `sysconf` (Linux and macOS alike).
private enum OnlineCores {
    static var count: Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
}
