import Dispatch
package import FedgeCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a safetensors file tensor by tensor, hashing as it goes, without holding the model in memory.
///
/// Bytes go to a temporary file beside the destination, which `finish()` renames into place (fsyncing it first
/// when the writer is `.durable`), so a crash never leaves half a model under the real name. A writer dropped
/// before `finish()` removes its temporary file. Large appends are hashed on a second core while they are written.
///
/// ```swift
/// let writer = try SafetensorsWriter(path: out, tensors: descriptors)
/// for tensor in … { try writer.append(bytes) }
/// let id = try writer.finish()
/// ```
package final class SafetensorsWriter {
    /// The destination path.
    package let path: String
    private let temporaryPath: String
    private let durability: FileDurability
    private var fd: Int32
    private var hasher = StreamingModelHasher()
    private var buffer: [UInt8] = []
    private let bufferCapacity = 1 << 20
    private let expectedDataLength: Int
    private var writtenDataLength = 0
    private var finished = false

    /// Creates the temporary file and writes the header for `tensors`, laid out back to back in that order.
    ///
    /// - Throws: `SafetensorsError.writeMismatch` for duplicate names or impossible shapes, `.io` when the file
    ///   cannot be created.
    package init(
        path: String,
        tensors: [TensorDescriptor],
        metadata: [String: String] = [:],
        durability: FileDurability = .durable
    ) throws(SafetensorsError) {
        var seen = Set<String>()
        var total = 0
        for tensor in tensors {
            guard seen.insert(tensor.name).inserted else { throw .duplicateTensor(path: path, tensor: tensor.name) }
            guard let bytes = tensor.checkedByteCount else {
                throw .badShape(path: path, tensor: tensor.name, shape: tensor.shape)
            }
            total += bytes
        }
        self.path = path
        self.durability = durability
        self.temporaryPath = "\(path).partial-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        self.expectedDataLength = total
        self.fd = open(self.temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard self.fd >= 0 else { throw .io(path: path, operation: "create", errno: errno) }
        self.buffer.reserveCapacity(self.bufferCapacity)
        let header = SafetensorsHeader.encode(tensors: tensors, metadata: metadata)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { self.buffer.append(contentsOf: $0) }
        self.buffer.append(contentsOf: header)
    }

    deinit {
        if !self.finished {
            if self.fd >= 0 { close(self.fd) }
            unlink(self.temporaryPath)
        }
    }

    /// Appends the next bytes of tensor data, in the order the tensors were declared.
    package func append(_ bytes: UnsafeRawBufferPointer) throws(SafetensorsError) {
        guard !self.finished else { throw .writeMismatch(path: self.path, reason: "the writer is already finished") }
        guard self.writtenDataLength + bytes.count <= self.expectedDataLength else {
            throw .writeMismatch(
                path: self.path,
                reason: "more tensor bytes than the header declares (\(self.expectedDataLength))"
            )
        }
        self.writtenDataLength += bytes.count
        if self.buffer.count + bytes.count <= self.bufferCapacity {
            self.buffer.append(contentsOf: bytes)
            return
        }
        try self.flush()
        if bytes.count >= self.bufferCapacity {
            try self.writeDirectly(bytes)
        } else {
            self.buffer.append(contentsOf: bytes)
        }
    }

    /// Checks that every declared byte was written, fsyncs when durable, renames into place and returns the model id.
    @discardableResult
    package func finish() throws(SafetensorsError) -> ModelID {
        guard self.writtenDataLength == self.expectedDataLength else {
            throw .writeMismatch(
                path: self.path,
                reason:
                    "the header declares \(self.expectedDataLength) bytes of tensor data but \(self.writtenDataLength) were written"
            )
        }
        try self.flush()
        if self.durability == .durable, fsync(self.fd) != 0 {
            throw .io(path: self.path, operation: "sync", errno: errno)
        }
        close(self.fd)
        self.fd = -1
        guard rename(self.temporaryPath, self.path) == 0 else {
            throw .io(path: self.path, operation: "rename into", errno: errno)
        }
        self.finished = true
        if self.durability == .durable { FileDurability.syncDirectory(of: self.path) }
        return self.hasher.finalize()
    }

    private func flush() throws(SafetensorsError) {
        guard !self.buffer.isEmpty else { return }
        let pending = self.buffer
        self.buffer.removeAll(keepingCapacity: true)
        try pending.withBytes { (bytes) throws(SafetensorsError) in try self.writeDirectly(bytes) }
    }

    /// Hashes and writes `bytes`; from 4 MiB up the hash runs on another core while the kernel copies the bytes.
    private func writeDirectly(_ bytes: UnsafeRawBufferPointer) throws(SafetensorsError) {
        guard bytes.count >= 4 << 20 else {
            self.hasher.update(bytes)
            return try self.writeAll(bytes)
        }
        var result: Result<Void, SafetensorsError> = .success(())
        let job = { (index: Int) in
            if index == 0 {
                self.hasher.update(bytes)
            } else {
                do throws(SafetensorsError) { try self.writeAll(bytes) } catch { result = .failure(error) }
            }
        }
        // Two disjoint jobs (the hasher and `result` each have one writer), and `concurrentPerform` returns only
        // after both ran, so nothing outlives the call.
        nonisolated(unsafe) let both = job
        DispatchQueue.concurrentPerform(iterations: 2) { both($0) }
        try result.get()
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws(SafetensorsError) {
        var offset = 0
        while offset < bytes.count {
            let n = posixWrite(self.fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(path: self.path, operation: "write", errno: errno)
            }
            offset += n
        }
    }

}

extension SafetensorsWriter {
    /// Writes `model` to `path` in one go and returns its id.
    @discardableResult
    package static func write(
        _ model: some SafetensorsEncodable,
        to path: String,
        durability: FileDurability = .durable
    ) throws(SafetensorsError) -> ModelID {
        let writer = try SafetensorsWriter(
            path: path,
            tensors: model.tensorDescriptors,
            metadata: model.safetensorsMetadata,
            durability: durability
        )
        for index in model.tensorDescriptors.indices {
            try model.encodeTensor(at: index) { (bytes) throws(SafetensorsError) in try writer.append(bytes) }
        }
        return try writer.finish()
    }
}

/// `write(2)`, named apart from `SafetensorsWriter.write(_:to:)`.
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}
