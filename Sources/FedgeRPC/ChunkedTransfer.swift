import Crypto
package import FedgeCore
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Moves files as chunked streams: 64 KiB per message, the SHA-256 checked at the end, so any size works and
/// nothing ever holds a whole model in memory or in one message.
package enum ChunkedTransfer {
    /// Bytes per data chunk: a message with its protobuf and gRPC framing fits one 64 KiB HTTP/2 frame
    /// (`TransportTuning.maxFrameSize`), and every buffer it passes through stays under the allocator's mmap
    /// threshold (128 KiB). Chunks of 1 MiB were mapped and unmapped by the allocator, zeroed page by page by the
    /// kernel, at every copy: page faults were 21 % of a round's CPU time (BENCHMARKS.md, "64 KiB chunks").
    package static let chunkSize = 65_536 - 64

    /// Sends the file at `path`: `header`, its bytes in chunks, then a trailer with their SHA-256.
    ///
    /// - Parameters:
    ///   - knownID: the file's SHA-256 when the sender knows it already (a content-addressed model, a file it just
    ///     wrote and hashed): sent as the trailer without hashing the file again. The receiver checks the bytes
    ///     against it all the same, so a file damaged on disk is refused there.
    ///   - afterHeader: awaited between the header and the first chunk (an upload waits there for the receiver's
    ///     go-ahead).
    /// - Returns: the SHA-256 of the bytes sent.
    @discardableResult
    package static func send<Message: ChunkMessage>(
        file path: String,
        header: Message.Header,
        knownID: ModelID? = nil,
        as message: Message.Type = Message.self,
        afterHeader: () async throws -> Void = {},
        write: (Message) async throws -> Void
    ) async throws -> ModelID {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw RefusalError(.unknownModel, "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        try await write(Message(.header(header)))
        try await afterHeader()
        var hasher = SHA256()
        var offset: off_t = 0
        let pacing = WritePacing.transport
        while true {
            try Task.checkCancellation()
            var chunk = Data(count: Self.chunkSize)
            let n = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, Self.chunkSize, offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw RefusalError(.incomplete, "reading \(path) failed: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            chunk.count = n
            if knownID == nil { chunk.withUnsafeBytes { hasher.update(bufferPointer: $0) } }
            offset += off_t(n)
            try await write(Message(.data(chunk)))
            if pacing.isDue(sent: Int(offset), last: n) { try await pacing.settle() }
        }
        let id = knownID ?? ModelID(digestBytes: hasher.finalize())
        try await write(Message(.trailer(sha256: id.hex)))
        // The caller may start the next transfer once this returns (a combiner's download places): by then the
        // transport has taken every message, and what it still holds for this stream is about one pacing interval.
        try await pacing.settle()
        return id
    }

    /// What `receive` took in.
    package struct Received<Header: Sendable>: Sendable {
        package var header: Header
        /// Where the bytes now are (the final path given to `receive`).
        package var path: String
        /// The SHA-256 of the bytes, checked against the sender's trailer.
        package var id: ModelID
        package var size: UInt64
    }

    /// Receives a chunked stream into a spool file, checks size and SHA-256, then moves it to the path
    /// `destination(header, id)` names.
    ///
    /// Whatever goes wrong — the sender disconnects, sends pieces out of order, too many bytes, or bytes that do not
    /// hash to its trailer — the spool file is removed and nothing is left behind.
    /// - Parameters:
    ///   - declaredSize: the size the header announces.
    ///   - durability: whether the received file is fsynced before it is renamed into place (see `FileDurability`).
    ///   - check: inspects the header before any byte is written; throw to refuse the transfer early.
    /// - Throws: `RefusalError` (`.malformed`, `.tooLarge`, `.incomplete`, `.hashMismatch`), or whatever the
    ///   stream or `check` throws.
    package static func receive<Parts: AsyncSequence, Message: ChunkMessage>(
        _ parts: Parts,
        spoolDirectory: String,
        maxBytes: UInt64,
        declaredSize: (Message.Header) -> UInt64,
        durability: FileDurability = .durable,
        check: (Message.Header) async throws -> Void = { _ in },
        destination: (Message.Header, ModelID) -> String
    ) async throws -> Received<Message.Header> where Parts.Element == Message {
        var header: Message.Header? = nil
        var size: UInt64 = 0
        var spool: SpoolFile? = nil
        var finished: Received<Message.Header>? = nil
        for try await message in parts {
            if finished != nil {
                throw RefusalError(.malformed, "the stream continued after its trailer")
            }
            guard let current = header, let file = spool else {
                guard case .header(let first) = message.transferPart else {
                    throw RefusalError(.malformed, "the stream must start with a header")
                }
                size = declaredSize(first)
                guard size <= maxBytes else {
                    throw RefusalError(
                        .tooLarge,
                        "the transfer announces \(size) bytes; this node accepts at most \(maxBytes)"
                    )
                }
                try await check(first)
                header = first
                spool = try SpoolFile(directory: spoolDirectory)
                continue
            }
            switch message.transferPart {
            case .data(let data):
                guard file.size + UInt64(data.count) <= size else {
                    throw RefusalError(.malformed, "the transfer sent more than the \(size) bytes its header announced")
                }
                try file.append(data)
            case .trailer(let sha):
                guard file.size == size else {
                    throw RefusalError(.malformed, "the transfer announced \(size) bytes but sent \(file.size)")
                }
                let id = file.digest
                guard id.hex == sha.lowercased() else {
                    throw RefusalError(
                        .hashMismatch,
                        "the bytes received hash to \(id.shortPrefix), not to the announced \(sha.prefix(12))"
                    )
                }
                finished = Received(header: current, path: destination(current, id), id: id, size: size)
            case .header:
                throw RefusalError(.malformed, "the stream sent a second header")
            case nil:
                throw RefusalError(.malformed, "the stream sent an empty chunk")
            }
        }
        if let finished, let spool {
            try spool.commit(to: finished.path, durability: durability)
            return finished
        }
        guard header != nil else { throw RefusalError(.incomplete, "the stream ended before its header") }
        throw RefusalError(
            .incomplete,
            "the stream ended after \(spool?.size ?? 0) of \(size) bytes, before its trailer"
        )
    }
}
