import Crypto
package import FedgeCore
package import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file being received: written to a hidden temporary name, hashed as it grows, and either committed (renamed
/// into place, fsynced first when durable) or removed. Dropping an uncommitted spool file removes it.
package final class SpoolFile {
    /// Where the bytes go until `commit`.
    package let temporaryPath: String
    private var fd: Int32
    private var hasher = SHA256()
    private var committed = false
    /// Bytes written so far.
    package private(set) var size: UInt64 = 0

    /// Creates a new spool file in `directory` (created when missing).
    package init(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        self.temporaryPath = "\(directory)/.incoming-\(UUID().uuidString)"
        self.fd = open(self.temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard self.fd >= 0 else {
            throw RefusalError(
                .tooLarge,
                "cannot create a spool file in \(directory): \(String(cString: strerror(errno)))"
            )
        }
    }

    deinit {
        if !self.committed {
            if self.fd >= 0 { close(self.fd) }
            unlink(self.temporaryPath)
        }
    }

    /// Appends `data`.
    package func append(_ data: Data) throws {
        try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            self.hasher.update(bufferPointer: bytes)
            var offset = 0
            while offset < bytes.count {
                let n = write(self.fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw RefusalError(.tooLarge, "cannot spool the transfer: \(String(cString: strerror(errno)))")
                }
                offset += n
            }
        }
        self.size += UInt64(data.count)
    }

    /// The SHA-256 of everything appended so far.
    package var digest: ModelID {
        ModelID(digestBytes: self.hasher.finalize())
    }

    /// Renames the file to `path`; when `durability` is `.durable` the file is fsynced before and its directory
    /// after, as `FileDurability` promises: without the directory's fsync a power loss could lose the new name.
    package func commit(to path: String, durability: FileDurability = .durable) throws {
        if durability == .durable, fsync(self.fd) != 0 {
            throw RefusalError(.tooLarge, "cannot sync the spool file: \(String(cString: strerror(errno)))")
        }
        close(self.fd)
        self.fd = -1
        guard rename(self.temporaryPath, path) == 0 else {
            throw RefusalError(.tooLarge, "cannot move the spool file to \(path): \(String(cString: strerror(errno)))")
        }
        self.committed = true
        if durability == .durable { FileDurability.syncDirectory(of: path) }
    }
}
