package import FedgeTensor

/// The shape of the global model as aggregation sees it: every tensor, and which of them are averaged.
///
/// Floating-point tensors are aggregated ("slots"); integer and bool tensors (PyTorch's `num_batches_tracked`,
/// say) are carried over from the global model unchanged.
package struct ModelLayout: Sendable, Hashable {
    /// One aggregated tensor.
    package struct Slot: Sendable, Hashable {
        /// Position of the tensor in the global model.
        package var tensorIndex: Int
        package var descriptor: TensorDescriptor
        package var precision: Precision
    }

    /// Every tensor of the global model, in file order.
    package let tensors: [TensorDescriptor]
    /// The aggregated tensors, in file order.
    package let slots: [Slot]
    private let indexByName: [String: Int]

    package init(tensors: [TensorDescriptor]) {
        self.tensors = tensors
        self.slots = tensors.enumerated().compactMap { index, descriptor in
            descriptor.dtype.isFloatingPoint
                ? Slot(tensorIndex: index, descriptor: descriptor, precision: Precision(for: descriptor.dtype))
                : nil
        }
        var index: [String: Int] = [:]
        for (i, tensor) in tensors.enumerated() { index[tensor.name] = i }
        self.indexByName = index
    }

    /// The layout of the model in `file`.
    package init(_ file: SafetensorsFile) {
        self.init(tensors: file.descriptors)
    }

    /// The number of aggregated elements across all slots.
    package var aggregatedElementCount: Int { self.slots.reduce(0) { $0 + $1.descriptor.elementCount } }

    /// Zeroed buffers, one per slot.
    package func zeroBuffers() -> [TensorBuffer] {
        self.slots.map { TensorBuffer(zeros: $0.descriptor.elementCount, precision: $0.precision) }
    }

    /// Checks that `update` matches this layout tensor for tensor, that its aggregated tensors are finite and that
    /// `weight` is positive.
    ///
    /// - Returns: for each slot, the index of the matching tensor in `update`.
    /// - Throws: `AggregationError` naming the first difference.
    package func validate(_ update: SafetensorsFile, weight: Double, label: String) throws(AggregationError) -> [Int] {
        guard weight > 0, weight.isFinite else { throw .invalidWeight(update: label, weight: weight) }
        for entry in update.tensors where self.indexByName[entry.name] == nil {
            throw .unexpectedTensor(update: label, tensor: entry.name)
        }
        for expected in self.tensors {
            guard let i = update.index(of: expected.name) else {
                throw .missingTensor(update: label, tensor: expected.name)
            }
            let actual = update.tensors[i].descriptor
            guard actual.dtype == expected.dtype else {
                throw .dtypeMismatch(
                    update: label,
                    tensor: expected.name,
                    expected: expected.dtype,
                    actual: actual.dtype
                )
            }
            guard actual.shape == expected.shape else {
                throw .shapeMismatch(
                    update: label,
                    tensor: expected.name,
                    expected: expected.shape,
                    actual: actual.shape
                )
            }
        }
        var mapping: [Int] = []
        mapping.reserveCapacity(self.slots.count)
        for slot in self.slots {
            let i = update.index(of: slot.descriptor.name)!
            var finite = true
            let width = slot.descriptor.dtype.byteWidth
            update.forEachBlock(ofTensor: i) { _, bytes in
                if finite {
                    finite = TensorBuffer.allFinite(bytes, dtype: slot.descriptor.dtype, count: bytes.count / width)
                }
            }
            guard finite else { throw .nonFinite(update: label, tensor: slot.descriptor.name) }
            mapping.append(i)
        }
        return mapping
    }
}
