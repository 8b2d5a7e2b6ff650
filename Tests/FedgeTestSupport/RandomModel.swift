package import FedgeTensor

/// Builds models with random values, and reads float tensors back as Double, for tests.
package enum RandomModel {
    /// A model with the given tensors, each float element drawn uniformly from `range`; integer tensors get
    /// small random integers and bools random bits.
    package static func make(
        _ descriptors: [TensorDescriptor],
        range: ClosedRange<Double> = -1...1,
        metadata: [String: String] = [:],
        using generator: inout SeededGenerator
    ) -> InMemoryModel {
        var model = InMemoryModel(metadata: metadata)
        for descriptor in descriptors {
            let count = descriptor.elementCount
            let values = (0..<count).map { _ in Double.random(in: range, using: &generator) }
            model.append(descriptor, bytes: Self.encode(values, as: descriptor.dtype, using: &generator))
        }
        return model
    }

    /// A copy of `model` whose float tensors are replaced by `values` (one flat Double array per tensor, by name).
    package static func replacing(_ model: InMemoryModel, with values: [String: [Double]]) -> InMemoryModel {
        var out = model
        var generator = SeededGenerator(seed: 0)
        for (i, descriptor) in model.tensors.enumerated() {
            if let replacement = values[descriptor.name] {
                out.data[i] = Self.encode(replacement, as: descriptor.dtype, using: &generator)
            }
        }
        return out
    }

    /// Encodes values as `dtype` little-endian bytes (floats rounded to nearest; integers truncated).
    package static func encode(_ values: [Double], as dtype: DType, using generator: inout SeededGenerator) -> [UInt8] {
        var bytes: [UInt8] = []
        func put<T>(_ value: T) { withUnsafeBytes(of: value) { bytes.append(contentsOf: $0) } }
        for value in values {
            switch dtype {
            case .f32: put(Float(value).bitPattern.littleEndian)
            case .f64: put(value.bitPattern.littleEndian)
            case .f16: put(Float16(Float(value)).bitPattern.littleEndian)
            case .bf16: put(Self.bf16Bits(Float(value)).littleEndian)
            case .i32: put(Int32(Int.random(in: -1000...1000, using: &generator)).littleEndian)
            case .i64: put(Int64(Int.random(in: -1000...1000, using: &generator)).littleEndian)
            case .u8: put(UInt8.random(in: 0...255, using: &generator))
            case .bool: put(UInt8(Bool.random(using: &generator) ? 1 : 0))
            }
        }
        return bytes
    }

    /// The values of every float tensor of `file`, in file order, widened to Double.
    package static func floatValues(_ file: SafetensorsFile) -> [String: [Double]] {
        var out: [String: [Double]] = [:]
        for (i, entry) in file.tensors.enumerated() where entry.dtype.isFloatingPoint {
            out[entry.name] = file.withTensorBytes(at: i) { Self.decode($0, dtype: entry.dtype) }
        }
        return out
    }

    /// All float tensors of `file` concatenated in file order.
    package static func flatFloats(_ file: SafetensorsFile) -> [Double] {
        let values = Self.floatValues(file)
        return file.tensors.filter { $0.dtype.isFloatingPoint }.flatMap { values[$0.name]! }
    }

    /// Decodes little-endian bytes of a float dtype to Double (a reference independent of the kernels).
    package static func decode(_ bytes: UnsafeRawBufferPointer, dtype: DType) -> [Double] {
        let width = dtype.byteWidth
        return (0..<(bytes.count / width)).map { i in
            switch dtype {
            case .f32:
                Double(
                    Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
                )
            case .f64:
                Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)))
            case .f16:
                Double(
                    Float(
                        Float16(
                            bitPattern: UInt16(
                                littleEndian: bytes.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)
                            )
                        )
                    )
                )
            case .bf16:
                Double(
                    Float(
                        bitPattern: UInt32(
                            UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))
                        ) << 16
                    )
                )
            case .i32: Double(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 4, as: Int32.self)))
            case .i64: Double(Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 8, as: Int64.self)))
            case .u8, .bool: Double(bytes[i])
            }
        }
    }

    /// bfloat16 bits of `value`, rounded to nearest even.
    package static func bf16Bits(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        return UInt16(truncatingIfNeeded: (bits &+ 0x7fff &+ ((bits >> 16) & 1)) >> 16)
    }
}
