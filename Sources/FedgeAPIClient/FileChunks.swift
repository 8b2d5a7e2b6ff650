import Foundation
import NIOCore
import NIOPosix

/// A file read as a sequence of chunks, each read on NIO's blocking-I/O thread pool as the consumer asks for it.
///
/// An upload body pulls the next chunk only when the previous one is sent, so memory stays at one chunk.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    static let chunkBytes = 1 << 20

    let path: String
    let size: Int64
    private let handle: FileHandle

    /// Opens `path` for reading.
    ///
    /// - Throws: ``APIClientError/localFile(_:)`` when the file is missing, not a regular file, or unreadable.
    init(path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw APIClientError.localFile("There is no file at \(path); check the path.")
        }
        guard !isDirectory.boolValue else {
            throw APIClientError.localFile("\(path) is a directory; give the path of a file.")
        }
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            self.size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
            self.handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        } catch {
            throw APIClientError.localFile("\(path) cannot be read: \(error.localizedDescription)")
        }
        self.path = path
    }

    /// Closes the file; reading after this ends the sequence with an error.
    func close() {
        try? self.handle.close()
    }

    func makeAsyncIterator() -> Iterator {
        Iterator(chunks: self)
    }

    struct Iterator: AsyncIteratorProtocol {
        let chunks: FileChunks

        func next() async throws -> ByteBuffer? {
            let handle = self.chunks.handle
            let path = self.chunks.path
            let data: Data?
            do {
                data = try await NIOThreadPool.singleton.runIfActive {
                    try handle.read(upToCount: FileChunks.chunkBytes)
                }
            } catch {
                throw APIClientError.localFile("\(path) could not be read to the end: \(error.localizedDescription)")
            }
            guard let data, !data.isEmpty else { return nil }
            return ByteBuffer(bytes: data)
        }
    }
}
