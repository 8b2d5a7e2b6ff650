package import FedgeCore

/// A safetensors file opened for reading: memory-mapped, its header parsed and validated.
///
/// Tensor bytes are read straight from the mapping, so opening a 3 GiB model costs a page table, not 3 GiB of RAM.
///
/// ```swift
/// let model = try SafetensorsFile(path: "global.safetensors")
/// model.withTensorBytes(at: 0) { bytes in … }
/// ```
package struct SafetensorsFile: Sendable {
    /// The mapped file.
    package let mapping: MappedFile
    /// The validated header: tensors in data order and metadata.
    package let header: SafetensorsHeader
    /// Where the data section starts in the file.
    package let dataOffset: Int
    private let indexByName: [String: Int]

    /// The path the file was opened from.
    package var path: String { self.mapping.path }
    /// The tensors in data order.
    package var tensors: [TensorEntry] { self.header.tensors }
    /// The `__metadata__` map.
    package var metadata: [String: String] { self.header.metadata }
    /// The tensors' descriptors in data order.
    package var descriptors: [TensorDescriptor] { self.header.tensors.map(\.descriptor) }

    /// Opens, maps and validates the file at `path`.
    ///
    /// - Throws: `SafetensorsError` naming what is wrong with the file.
    package init(path: String) throws(SafetensorsError) {
        try self.init(mapping: try MappedFile(path: path))
    }

    /// Validates an already mapped file.
    package init(mapping: MappedFile) throws(SafetensorsError) {
        let path = mapping.path
        guard mapping.count >= 8 else { throw .truncated(path: path, needed: 8, actual: mapping.count) }
        let length = mapping.withBytes(in: 0..<8) { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard length <= UInt64(SafetensorsHeader.maximumLength) else {
            throw .headerTooLarge(path: path, length: length, limit: SafetensorsHeader.maximumLength)
        }
        let dataOffset = 8 + Int(length)
        guard mapping.count >= dataOffset else {
            throw .truncated(path: path, needed: dataOffset, actual: mapping.count)
        }
        let header = try mapping.withBytes(in: 8..<dataOffset) { (json) throws(SafetensorsError) in
            try SafetensorsHeader.parse(json: json, dataLength: mapping.count - dataOffset, path: path)
        }
        self.mapping = mapping
        self.header = header
        self.dataOffset = dataOffset
        var index: [String: Int] = [:]
        for (i, entry) in header.tensors.enumerated() { index[entry.name] = i }
        self.indexByName = index
    }

    /// The position of the tensor called `name`, or `nil`.
    package func index(of name: String) -> Int? { self.indexByName[name] }

    /// Calls `body` with the raw bytes of tensor `index`, straight from the mapping (possibly unaligned).
    package func withTensorBytes<R, E: Error>(
        at index: Int,
        _ body: (UnsafeRawBufferPointer) throws(E) -> R
    ) throws(E) -> R {
        let range = self.header.tensors[index].range
        return try self.mapping.withBytes(
            in: (self.dataOffset + range.lowerBound)..<(self.dataOffset + range.upperBound),
            body
        )
    }

    /// Calls `body` with the bytes of tensor `index`, then drops their pages from this process's resident memory
    /// (the page cache keeps them): for readers that decode a tensor once, so that a decoded model is not counted
    /// twice, once decoded and once mapped.
    package func withTensorBytesOnce<R, E: Error>(
        at index: Int,
        _ body: (UnsafeRawBufferPointer) throws(E) -> R
    ) throws(E) -> R {
        let range = self.fileRange(ofTensor: index)
        self.mapping.populate(range)
        defer { self.mapping.releasePages(in: range) }
        return try self.withTensorBytes(at: index, body)
    }

    /// The model id: the SHA-256 of the whole file, read through the mapping without keeping it resident.
    package func computeModelID() -> ModelID { self.mapping.sha256() }

    /// The byte range of tensor `index` within the file.
    package func fileRange(ofTensor index: Int) -> Range<Int> {
        let range = self.header.tensors[index].range
        return (self.dataOffset + range.lowerBound)..<(self.dataOffset + range.upperBound)
    }

    /// Calls `body` with consecutive blocks of at most `maxElements` elements of tensor `index` (each block's first
    /// element index and its bytes), dropping each block's pages from resident memory once `body` is done with it.
    package func forEachBlock(
        ofTensor index: Int,
        maxElements: Int = 1 << 22,
        _ body: (_ firstElement: Int, _ bytes: UnsafeRawBufferPointer) -> Void
    ) {
        let width = self.header.tensors[index].dtype.byteWidth
        let whole = self.fileRange(ofTensor: index)
        var element = 0
        let total = whole.count / max(width, 1)
        while element < total {
            let count = min(maxElements, total - element)
            let range = (whole.lowerBound + element * width)..<(whole.lowerBound + (element + count) * width)
            self.mapping.populate(range)
            self.mapping.withBytes(in: range) { body(element, $0) }
            self.mapping.releasePages(in: range)
            element += count
        }
    }
}
