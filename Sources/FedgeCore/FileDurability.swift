#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a file written under a temporary name and renamed into place survives.
///
/// Both kinds are atomic: a reader, or a process restarted after `kill -9`, sees the old file or the whole new one,
/// never half of one. They differ on power loss and kernel crashes, where only what was fsynced is on disk.
package enum FileDurability: Sendable, Hashable {
    /// The file is fsynced before the rename and its directory after: once written, it survives a power loss.
    /// For what is committed or trusted by name later: the model trail, the combiner's model cache, packages.
    case durable
    /// Renamed without fsync: a power loss may lose the new file (never a process crash). For files that live only
    /// as long as a round or a task (uploaded updates, partials on their way up, a trainer's output), where
    /// fsync costs milliseconds per file on the round's critical path and buys nothing.
    case atomic
}

extension FileDurability {
    /// Fsyncs the directory that holds `path`, so that a name just renamed into it survives a power loss: the last
    /// step of a `.durable` write. Best effort: a directory that cannot be opened is left as it is.
    package static func syncDirectory(of path: String) {
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let fd = open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            _ = fsync(fd)
            close(fd)
        }
    }
}
