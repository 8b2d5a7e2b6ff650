/// A small model held in memory as raw little-endian bytes per tensor: for tests, fixtures and tiny models.
package struct InMemoryModel: Sendable, Hashable, SafetensorsEncodable {
    package var tensors: [TensorDescriptor]
    package var data: [[UInt8]]
    package var metadata: [String: String]

    package init(tensors: [TensorDescriptor] = [], data: [[UInt8]] = [], metadata: [String: String] = [:]) {
        precondition(tensors.count == data.count, "one byte buffer per tensor")
        self.tensors = tensors
        self.data = data
        self.metadata = metadata
    }

    /// Copies every tensor of `file` into memory.
    package init(_ file: SafetensorsFile) {
        self.init(
            tensors: file.descriptors,
            data: file.tensors.indices.map { i in file.withTensorBytes(at: i) { Array($0) } },
            metadata: file.metadata
        )
    }

    /// Appends a tensor given by its descriptor and bytes.
    package mutating func append(_ descriptor: TensorDescriptor, bytes: [UInt8]) {
        precondition(bytes.count == descriptor.byteCount, "bytes must match the shape and dtype")
        self.tensors.append(descriptor)
        self.data.append(bytes)
    }

    /// Appends a Float32 tensor.
    package mutating func append(name: String, shape: [Int], floats: [Float]) {
        let bytes = floats.withUnsafeBytes { Array($0) }
        self.append(TensorDescriptor(name: name, dtype: .f32, shape: shape), bytes: bytes)
    }

    /// The bytes of the tensor called `name`.
    package func bytes(of name: String) -> [UInt8]? {
        self.tensors.firstIndex { $0.name == name }.map { self.data[$0] }
    }

    package var tensorDescriptors: [TensorDescriptor] { self.tensors }
    package var safetensorsMetadata: [String: String] { self.metadata }

    package func encodeTensor(
        at index: Int,
        into sink: (UnsafeRawBufferPointer) throws(SafetensorsError) -> Void
    ) throws(SafetensorsError) {
        try self.data[index].withBytes { (bytes) throws(SafetensorsError) in try sink(bytes) }
    }
}
