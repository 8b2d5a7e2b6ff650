#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only into memory. The only place in FedgeTensor that owns a raw mapping.
///
/// The mapping lives as long as the object; views handed out by `withBytes` must not escape the closure.
/// Immutable after init and never written through, so it is safe to share across threads.
package final class MappedFile: Sendable {
    /// The path the file was opened from, for error messages.
    package let path: String
    /// The file's length in bytes.
    package let count: Int
    // The mapping is read-only and never changes after init; pointers are only read.
    private nonisolated(unsafe) let base: UnsafeRawPointer?

    /// Maps `path` read-only.
    ///
    /// - Throws: `SafetensorsError.io` when the file cannot be opened, examined or mapped.
    package init(path: String) throws(SafetensorsError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path: path, operation: "open", errno: errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .io(path: path, operation: "examine", errno: errno) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw .io(path: path, operation: "map", errno: EISDIR) }
        self.count = Int(info.st_size)
        if self.count == 0 {
            self.base = nil
            return
        }
        let mapped = mmap(nil, self.count, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let mapped, mapped != MAP_FAILED else { throw .io(path: path, operation: "map", errno: errno) }
        _ = madvise(mapped, self.count, MADV_SEQUENTIAL)
        self.base = UnsafeRawPointer(mapped)
    }

    deinit {
        if let base = self.base {
            munmap(UnsafeMutableRawPointer(mutating: base), self.count)
        }
    }

    /// Drops the pages of `range` from this process's resident memory (the file's pages stay in the page cache, so
    /// reading them again is cheap). Streaming readers call it behind them so a model read once never stays resident.
    package func releasePages(in range: Range<Int>) {
        guard let base = self.base, !range.isEmpty else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (range.lowerBound + page - 1) / page * page
        let end = range.upperBound == self.count ? self.count : range.upperBound / page * page
        guard end > start else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, MADV_DONTNEED)
    }

    /// Maps the pages of `range` into this process in one call (Linux's MADV_POPULATE_READ, 5.14 and later), before
    /// a reader walks them: one system call instead of a page fault every 4 KiB (`fedge aggregate` of four 256 MiB
    /// updates took 67 thousand faults with it, where its 1.25 GiB of mapped reads would take 330 thousand). Where
    /// the kernel does not know the advice, pages fault in as before.
    package func populate(_ range: Range<Int>) {
        #if os(Linux)
        guard let base = self.base, !range.isEmpty else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = range.lowerBound / page * page
        let end = min(self.count, (range.upperBound + page - 1) / page * page)
        guard end > start else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, Self.populateRead)
        #endif
    }

    /// <sys/mman.h>'s MADV_POPULATE_READ, which Swift's Glibc module may not export.
    private static let populateRead: Int32 = 22

    /// Calls `body` with the bytes in `range` (all of them by default). The view is valid only inside `body`.
    package func withBytes<R, E: Error>(
        in range: Range<Int>? = nil,
        _ body: (UnsafeRawBufferPointer) throws(E) -> R
    ) throws(E) -> R {
        let range = range ?? 0..<self.count
        precondition(range.lowerBound >= 0 && range.upperBound <= self.count, "range outside the mapped file")
        guard let base = self.base, !range.isEmpty else {
            return try body(UnsafeRawBufferPointer(start: nil, count: 0))
        }
        return try body(UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count))
    }
}
