/// A tensor as it sits in a safetensors file: its descriptor and its byte range within the data section.
package struct TensorEntry: Hashable, Sendable {
    package var descriptor: TensorDescriptor
    /// Byte range relative to the start of the data section (the header's `data_offsets`).
    package var range: Range<Int>

    package init(descriptor: TensorDescriptor, range: Range<Int>) {
        self.descriptor = descriptor
        self.range = range
    }

    package var name: String { self.descriptor.name }
    package var dtype: DType { self.descriptor.dtype }
    package var shape: [Int] { self.descriptor.shape }
}
