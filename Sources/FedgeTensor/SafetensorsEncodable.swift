/// Something that can be written as a safetensors file, one tensor's bytes at a time.
///
/// Implementations produce each tensor's bytes in chunks, converting from their working precision on the fly,
/// so writing never needs a second copy of the model.
package protocol SafetensorsEncodable {
    /// The tensors to write, in file order.
    var tensorDescriptors: [TensorDescriptor] { get }
    /// The `__metadata__` map to write.
    var safetensorsMetadata: [String: String] { get }
    /// Produces the bytes of tensor `index` (exactly its `byteCount`), in one or more calls to `sink`.
    func encodeTensor(
        at index: Int,
        into sink: (UnsafeRawBufferPointer) throws(SafetensorsError) -> Void
    ) throws(SafetensorsError)
}
