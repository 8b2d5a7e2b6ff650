import Crypto
package import FedgeCore
package import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Models by content: `blobs/sha256/ab/abcdef….safetensors`, each written to a temporary file, fsynced and renamed,
/// so a crash never leaves half a model under a real name.
package struct BlobStore: Sendable {
    package let root: URL

    /// Why a blob could not be stored.
    package struct BlobError: Error, CustomStringConvertible {
        package var description: String
    }

    package init(root: URL) throws {
        self.root = root
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("sha256"),
            withIntermediateDirectories: true
        )
    }

    /// Where blob `id` lives, whether or not it is there.
    package func path(for id: ModelID) -> String {
        self.root.appendingPathComponent("sha256/\(id.hex.prefix(2))/\(id.hex).safetensors").path
    }

    package func contains(_ id: ModelID) -> Bool { FileManager.default.fileExists(atPath: self.path(for: id)) }

    /// The blob's size in bytes (0 when it is missing).
    package func size(of id: ModelID) -> UInt64 {
        var info = stat()
        return stat(self.path(for: id), &info) == 0 ? UInt64(info.st_size) : 0
    }

    /// Copies the file at `path` into the store, hashing it on the way, and returns its id.
    package func put(fileAt path: String) throws -> ModelID {
        let input = open(path, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else {
            throw BlobError(description: "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(input) }
        let temporary = self.root.appendingPathComponent(".incoming-\(UUID().uuidString)").path
        let output = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard output >= 0 else {
            throw BlobError(description: "cannot write into \(self.root.path): \(String(cString: strerror(errno)))")
        }
        var committed = false
        defer {
            if !committed { unlink(temporary) }
        }
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                close(output)
                throw BlobError(description: "reading \(path) failed: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            try buffer.withUnsafeBytes { bytes in
                let chunk = UnsafeRawBufferPointer(rebasing: bytes[0..<n])
                hasher.update(bufferPointer: chunk)
                var offset = 0
                while offset < n {
                    let w = write(output, chunk.baseAddress! + offset, n - offset)
                    if w < 0 && errno != EINTR {
                        throw BlobError(description: "writing the blob failed: \(String(cString: strerror(errno)))")
                    }
                    offset += max(w, 0)
                }
            }
        }
        guard fsync(output) == 0 else {
            close(output)
            throw BlobError(description: "cannot sync the blob: \(String(cString: strerror(errno)))")
        }
        close(output)
        committed = true
        return try self.adopt(temporary, as: ModelID(digestBytes: hasher.finalize()))
    }

    /// A fresh path inside the store for a writer to fill (then `adopt` it, or remove it).
    package func incomingPath() -> String {
        self.root.appendingPathComponent(".incoming-\(UUID().uuidString)").path
    }

    /// Moves a complete, synced file at `temporary` (made at `incomingPath()`) to its place as blob `id`.
    @discardableResult
    package func adopt(_ temporary: String, as id: ModelID) throws -> ModelID {
        let destination = self.path(for: id)
        try FileManager.default.createDirectory(
            atPath: (destination as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        guard rename(temporary, destination) == 0 else {
            unlink(temporary)
            throw BlobError(description: "cannot move the blob into place: \(String(cString: strerror(errno)))")
        }
        FileDurability.syncDirectory(of: destination)
        return id
    }
}
