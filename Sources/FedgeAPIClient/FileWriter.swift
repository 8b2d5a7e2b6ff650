import Foundation
import NIOCore
import NIOPosix

/// A file written on NIO's blocking-I/O thread pool, so large downloads do not block the caller's executor.
struct FileWriter: Sendable {
    /// How many bytes a download gathers before each write.
    static let batchBytes = 1 << 20

    let path: String
    private let handle: FileHandle

    /// Creates (or truncates) the file at `path`.
    init(path: String) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            throw APIClientError.localFile("The directory \(directory) does not exist; create it first.")
        }
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else {
            throw APIClientError.localFile("\(path) cannot be created; check the directory's permissions.")
        }
        self.path = path
        self.handle = handle
    }

    /// Appends the readable bytes of `buffer`.
    func write(_ buffer: ByteBuffer) async throws {
        guard buffer.readableBytes > 0 else { return }
        let handle = self.handle
        do {
            try await NIOThreadPool.singleton.runIfActive {
                try buffer.withUnsafeReadableBytes { try handle.write(contentsOf: $0) }
            }
        } catch {
            throw APIClientError.localFile("Writing \(self.path) failed: \(error.localizedDescription)")
        }
    }

    /// Flushes the file to disk and closes it.
    func finish() async throws {
        let handle = self.handle
        do {
            try await NIOThreadPool.singleton.runIfActive {
                try handle.synchronize()
                try handle.close()
            }
        } catch {
            throw APIClientError.localFile("Writing \(self.path) failed: \(error.localizedDescription)")
        }
    }

    /// Closes the file without flushing, after a failure.
    func abandon() {
        try? self.handle.close()
    }

    /// Moves `source` to `destination`, replacing whatever is there.
    static func move(_ source: String, to destination: String) throws {
        do {
            if FileManager.default.fileExists(atPath: destination) {
                try FileManager.default.removeItem(atPath: destination)
            }
            try FileManager.default.moveItem(atPath: source, toPath: destination)
        } catch {
            throw APIClientError.localFile("\(source) cannot be moved to \(destination): \(error.localizedDescription)")
        }
    }
}
