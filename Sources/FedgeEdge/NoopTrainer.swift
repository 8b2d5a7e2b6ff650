import FedgeCore
import FedgeTensor
import Foundation

/// A built-in trainer whose training costs nothing: the update is the global model plus a constant on every
/// floating-point element, with `num_examples` 1. For benchmarks and tests of everything around training.
package struct NoopTrainer: Trainer {
    /// Added to every floating-point element.
    package var delta: Float
    /// The weight reported with each update.
    package var numExamples: Double

    package init(delta: Float = 0.001, numExamples: Double = 1) {
        self.delta = delta
        self.numExamples = numExamples
    }

    package var name: String { "noop" }

    package func train(_ input: TrainerInput) async throws -> TrainingResult {
        let model = try SafetensorsFile(path: input.model.path)
        let id = try SafetensorsWriter.write(
            ShiftedModel(base: model, delta: self.delta),
            to: input.output.path,
            durability: .atomic  // the task's output, uploaded and removed with its directory
        )
        return TrainingResult(numExamples: self.numExamples, metrics: ["noop": 1], updateID: id)
    }

    package func validate(_ input: TrainerInput) async throws -> ValidationResult {
        ValidationResult(metrics: ["noop": 1], numExamples: self.numExamples)
    }
}

/// A model streamed from `base` with `delta` added to its floating-point tensors, a chunk at a time.
struct ShiftedModel: SafetensorsEncodable {
    let base: SafetensorsFile
    let delta: Float

    var tensorDescriptors: [TensorDescriptor] { self.base.descriptors }
    var safetensorsMetadata: [String: String] { self.base.metadata }

    func encodeTensor(
        at index: Int,
        into sink: (UnsafeRawBufferPointer) throws(SafetensorsError) -> Void
    ) throws(SafetensorsError) {
        let dtype = self.base.tensors[index].dtype
        try self.base.withTensorBytes(at: index) { (bytes) throws(SafetensorsError) in
            guard dtype == .f32 || dtype == .f64 else {
                // F16/BF16 and integers pass through unchanged: a noop update only needs to differ somewhere.
                try sink(bytes)
                return
            }
            let width = dtype.byteWidth
            let chunk = 1 << 16
            var scratch = [UInt8](repeating: 0, count: chunk * width)
            var start = 0
            let count = bytes.count / width
            let delta = self.delta
            while start < count {
                let end = min(start + chunk, count)
                // One pass over the chunk with the buffer's pointer taken once (per element, the array's
                // uniqueness check cost more than the addition).
                scratch.withUnsafeMutableBytes { out in
                    let source = UnsafeRawBufferPointer(rebasing: bytes[(start * width)..<(end * width)])
                    if dtype == .f32 {
                        for i in 0..<(end - start) {
                            let v = source.loadUnaligned(fromByteOffset: i * 4, as: Float.self) + delta
                            out.storeBytes(of: v, toByteOffset: i * 4, as: Float.self)
                        }
                    } else {
                        for i in 0..<(end - start) {
                            let v = source.loadUnaligned(fromByteOffset: i * 8, as: Double.self) + Double(delta)
                            out.storeBytes(of: v, toByteOffset: i * 8, as: Double.self)
                        }
                    }
                }
                try scratch.withBytes { (all) throws(SafetensorsError) in
                    try sink(UnsafeRawBufferPointer(rebasing: all[0..<((end - start) * width)]))
                }
                start = end
            }
        }
    }
}
