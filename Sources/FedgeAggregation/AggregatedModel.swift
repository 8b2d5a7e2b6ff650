package import FedgeCore
package import FedgeTensor

/// A new global model: the aggregated tensors in working precision, the rest carried over from the base model.
///
/// Written with `SafetensorsWriter.write(_:to:)`; each tensor keeps the dtype and shape it has in the base model.
package struct AggregatedModel: Sendable, SafetensorsEncodable {
    /// The previous global model, whose integer and bool tensors are carried over.
    package let base: SafetensorsFile
    package let layout: ModelLayout
    /// One buffer per slot of `layout`.
    package let values: [TensorBuffer]
    package let metadata: [String: String]
    /// The updates that went into the model.
    package let contributions: [Contribution]
    /// Their summed weight.
    package let totalWeight: Double

    package var tensorDescriptors: [TensorDescriptor] { self.layout.tensors }
    package var safetensorsMetadata: [String: String] { self.metadata }

    package func encodeTensor(
        at index: Int,
        into sink: (UnsafeRawBufferPointer) throws(SafetensorsError) -> Void
    ) throws(SafetensorsError) {
        if let slot = self.layout.slots.firstIndex(where: { $0.tensorIndex == index }) {
            try self.values[slot].encode(as: self.layout.tensors[index].dtype, into: sink)
        } else {
            try self.base.withTensorBytes(at: index) { (bytes) throws(SafetensorsError) in try sink(bytes) }
        }
    }
}
