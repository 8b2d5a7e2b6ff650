import FedgeCore
package import FedgeTensor

/// Optimizer state rests as a safetensors file: `m/NAME` (or `velocity/NAME`) and `v/NAME` tensors, with the
/// aggregator and step count in the metadata.
extension ServerOptimizerState {
    package enum MetadataKey {
        package static let kind = "fedge.kind"
        package static let aggregator = "fedge.aggregator"
        package static let step = "fedge.step"
    }

    package static let kindValue = "server-optimizer-state"

    fileprivate var firstPrefix: String { self.aggregator == .fedavgm ? "velocity/" : "m/" }

    /// The state as a writable file for models of `layout`; it shares the buffers, copying nothing.
    package func encodable(layout: ModelLayout) -> some SafetensorsEncodable {
        StateFile(state: self, layout: layout)
    }

    /// The optimizer state seen as a safetensors file: first-moment tensors, then second-moment ones.
    private struct StateFile: SafetensorsEncodable {
        let state: ServerOptimizerState
        let layout: ModelLayout

        var buffers: [TensorBuffer] { self.state.first + self.state.second }

        var tensorDescriptors: [TensorDescriptor] {
            let named = [(self.state.firstPrefix, self.state.first.count), ("v/", self.state.second.count)]
            return named.flatMap { prefix, count in
                self.layout.slots.prefix(count).map {
                    TensorDescriptor(
                        name: prefix + $0.descriptor.name,
                        dtype: $0.precision.storedDType,
                        shape: $0.descriptor.shape
                    )
                }
            }
        }

        var safetensorsMetadata: [String: String] {
            [
                MetadataKey.kind: ServerOptimizerState.kindValue,
                MetadataKey.aggregator: self.state.aggregator.rawValue,
                MetadataKey.step: "\(self.state.step)",
            ]
        }

        func encodeTensor(
            at index: Int,
            into sink: (UnsafeRawBufferPointer) throws(SafetensorsError) -> Void
        ) throws(SafetensorsError) {
            let buffer =
                index < self.state.first.count
                ? self.state.first[index] : self.state.second[index - self.state.first.count]
            try buffer.withRawBytes(sink)
        }
    }

    /// Reads state saved by `encodable(layout:)`, checking it against `layout`.
    ///
    /// - Throws: `AggregationError.stateMismatch` when the file is not optimizer state for this model.
    package init(file: SafetensorsFile, layout: ModelLayout) throws(AggregationError) {
        guard file.metadata[MetadataKey.kind] == Self.kindValue,
            let name = file.metadata[MetadataKey.aggregator].flatMap(AggregatorName.init(rawValue:)),
            let step = file.metadata[MetadataKey.step].flatMap(Int.init), step >= 0
        else {
            throw .stateMismatch("\(file.path) is not server optimizer state written by Fedge")
        }
        func buffers(_ prefix: String) throws(AggregationError) -> [TensorBuffer] {
            var out: [TensorBuffer] = []
            for slot in layout.slots {
                guard let i = file.index(of: prefix + slot.descriptor.name),
                    file.tensors[i].dtype == slot.precision.storedDType,
                    file.tensors[i].shape == slot.descriptor.shape
                else {
                    throw .stateMismatch(
                        "\(file.path) has no matching '\(prefix)\(slot.descriptor.name)'; it was saved for another model"
                    )
                }
                out.append(
                    file.withTensorBytesOnce(at: i) { bytes in
                        TensorBuffer(
                            decoding: bytes,
                            dtype: slot.precision.storedDType,
                            count: slot.descriptor.elementCount
                        )
                    }
                )
            }
            return out
        }
        let first = try buffers(name == .fedavgm ? "velocity/" : "m/")
        let second = name == .fedavgm ? [] : try buffers("v/")
        self.init(aggregator: name, step: step, first: first, second: second)
    }
}
