import FedgeCore
package import FedgeTensor
import Foundation

/// Partials travel and rest as safetensors files: the sums as F32/F64 tensors named after the model's tensors,
/// the total weight and the contributions in the metadata.
extension PartialAggregate: SafetensorsEncodable {
    /// Metadata keys of a partial aggregate file.
    package enum MetadataKey {
        package static let kind = "fedge.kind"
        package static let totalWeight = "fedge.total_weight"
        package static let contributions = "fedge.contributions"
    }

    package static let kindValue = "partial-aggregate"

    package var tensorDescriptors: [TensorDescriptor] {
        self.layout.slots.map {
            TensorDescriptor(name: $0.descriptor.name, dtype: $0.precision.storedDType, shape: $0.descriptor.shape)
        }
    }

    package var safetensorsMetadata: [String: String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let contributions = (try? encoder.encode(self.contributions)).map { String(decoding: $0, as: UTF8.self) }
        return [
            MetadataKey.kind: Self.kindValue,
            MetadataKey.totalWeight: "\(self.totalWeight)",
            MetadataKey.contributions: contributions ?? "[]",
        ]
    }

    package func encodeTensor(
        at index: Int,
        into sink: (UnsafeRawBufferPointer) throws(SafetensorsError) -> Void
    ) throws(SafetensorsError) {
        try self.sums[index].withRawBytes(sink)
    }

    /// Reads a partial written by `SafetensorsWriter.write(_:to:)`, checking it against the global model.
    ///
    /// - Throws: `AggregationError.partialMismatch` when the file is not a partial for `layout`.
    package init(file: SafetensorsFile, layout: ModelLayout) throws(AggregationError) {
        let (weight, contributions, indices) = try Self.read(file, layout: layout)
        var sums: [TensorBuffer] = []
        for (slot, i) in zip(layout.slots, indices) {
            sums.append(
                file.withTensorBytesOnce(at: i) { bytes in
                    TensorBuffer(
                        decoding: bytes,
                        dtype: slot.precision.storedDType,
                        count: slot.descriptor.elementCount
                    )
                }
            )
        }
        try self.init(layout: layout, sums: sums, totalWeight: weight, contributions: contributions)
    }

    /// Adds the partial in `file` straight from its mapping, block by block: the same sum as
    /// `merge(PartialAggregate(file:layout:))` without a second model in memory.
    ///
    /// - Throws: `AggregationError.partialMismatch` when the file is not a partial for this layout; the partial is
    ///   then unchanged.
    package mutating func merge(file: SafetensorsFile) throws(AggregationError) {
        let (weight, contributions, indices) = try Self.read(file, layout: self.layout)
        for (slot, i) in indices.enumerated() {
            let dtype = self.layout.slots[slot].precision.storedDType
            file.forEachBlock(ofTensor: i) { first, bytes in
                self.addToSum(slot: slot, bytes, dtype: dtype, startingAt: first)
            }
        }
        self.addTotals(weight: weight, contributions: contributions)
    }

    /// The metadata and tensor indices of a partial for `layout`.
    private static func read(
        _ file: SafetensorsFile,
        layout: ModelLayout
    ) throws(AggregationError) -> (Double, [Contribution], [Int]) {
        guard file.metadata[MetadataKey.kind] == Self.kindValue else {
            throw .partialMismatch("\(file.path) is not a partial aggregate (its metadata lacks fedge.kind)")
        }
        guard let weight = file.metadata[MetadataKey.totalWeight].flatMap(Double.init), weight >= 0, weight.isFinite
        else {
            throw .partialMismatch("\(file.path) has no readable fedge.total_weight")
        }
        let contributions: [Contribution]
        do {
            contributions = try JSONDecoder().decode(
                [Contribution].self,
                from: Data((file.metadata[MetadataKey.contributions] ?? "[]").utf8)
            )
        } catch {
            throw .partialMismatch("\(file.path) has unreadable fedge.contributions: \(error)")
        }
        guard file.tensors.count == layout.slots.count else {
            throw .partialMismatch(
                "\(file.path) has \(file.tensors.count) tensors; the model aggregates \(layout.slots.count)"
            )
        }
        var indices: [Int] = []
        for slot in layout.slots {
            guard let i = file.index(of: slot.descriptor.name),
                file.tensors[i].dtype == slot.precision.storedDType,
                file.tensors[i].shape == slot.descriptor.shape
            else {
                throw .partialMismatch(
                    "tensor '\(slot.descriptor.name)' of \(file.path) does not match the global model"
                )
            }
            indices.append(i)
        }
        return (weight, contributions, indices)
    }
}
