package import FedgeTensor

/// The precision aggregation works in for one tensor: Float32 for F32/F16/BF16 tensors, Float64 for F64.
package enum Precision: Sendable, Hashable {
    case float32
    case float64

    /// The working precision for tensors stored as `dtype`.
    package init(for dtype: DType) {
        self = dtype == .f64 ? .float64 : .float32
    }

    /// The dtype a buffer of this precision is stored as, in partials and optimizer state.
    package var storedDType: DType { self == .float64 ? .f64 : .f32 }
}

/// One tensor's values in working precision: a flat array of Float or of Double.
///
/// Two plain arrays rather than an enum with payloads, so that mutating one in place never copies it.
package struct TensorBuffer: Sendable, Hashable {
    package let precision: Precision
    package var floats: [Float]
    package var doubles: [Double]

    /// A buffer of `count` zeros.
    package init(zeros count: Int, precision: Precision) {
        self.precision = precision
        self.floats = precision == .float32 ? [Float](repeating: 0, count: count) : []
        self.doubles = precision == .float64 ? [Double](repeating: 0, count: count) : []
    }

    package init(floats: [Float]) {
        self.precision = .float32
        self.floats = floats
        self.doubles = []
    }

    package init(doubles: [Double]) {
        self.precision = .float64
        self.floats = []
        self.doubles = doubles
    }

    /// The number of elements.
    package var count: Int { self.precision == .float32 ? self.floats.count : self.doubles.count }

    /// Element `index` widened to Double, for tests and reports.
    package subscript(index: Int) -> Double {
        self.precision == .float32 ? Double(self.floats[index]) : self.doubles[index]
    }

    /// The values' raw bytes, as stored in partials and optimizer state (F32 or F64).
    package func withRawBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        let result: Result<R, E>
        if self.precision == .float32 {
            result = self.floats.withUnsafeBytes { bytes in Result { () throws(E) in try body(bytes) } }
        } else {
            result = self.doubles.withUnsafeBytes { bytes in Result { () throws(E) in try body(bytes) } }
        }
        return try result.get()
    }

    /// `self += other`.
    package mutating func add(_ other: TensorBuffer) {
        precondition(self.precision == other.precision && self.count == other.count)
        if self.precision == .float32 {
            other.floats.withUnsafeBufferPointer { b in
                self.floats.withUnsafeMutableBufferPointer { Kernels.add(into: $0, b) }
            }
        } else {
            other.doubles.withUnsafeBufferPointer { b in
                self.doubles.withUnsafeMutableBufferPointer { Kernels.add(into: $0, b) }
            }
        }
    }

    /// `self *= factor`.
    package mutating func scale(by factor: Double) {
        if self.precision == .float32 {
            self.floats.withUnsafeMutableBufferPointer { Kernels.scale($0, by: Float(factor)) }
        } else {
            self.doubles.withUnsafeMutableBufferPointer { Kernels.scale($0, by: factor) }
        }
    }

    /// `self[start...] += weight · stored`, where `stored` holds elements of `dtype` (all of `self` by default).
    package mutating func accumulate(
        _ stored: UnsafeRawBufferPointer,
        dtype: DType,
        weight: Double,
        startingAt start: Int = 0
    ) {
        let count = stored.count / dtype.byteWidth
        guard let base = stored.baseAddress, count > 0 else { return }
        precondition(start >= 0 && start + count <= self.count, "block outside the tensor")
        switch dtype {
        case .f32:
            self.floats.withUnsafeMutableBufferPointer {
                Kernels.accumulate(
                    F32Lanes.self,
                    into: .init(rebasing: $0[start..<(start + count)]),
                    from: base,
                    weight: Float(weight)
                )
            }
        case .f16:
            self.floats.withUnsafeMutableBufferPointer {
                Kernels.accumulate(
                    F16Lanes.self,
                    into: .init(rebasing: $0[start..<(start + count)]),
                    from: base,
                    weight: Float(weight)
                )
            }
        case .bf16:
            self.floats.withUnsafeMutableBufferPointer {
                Kernels.accumulate(
                    BF16Lanes.self,
                    into: .init(rebasing: $0[start..<(start + count)]),
                    from: base,
                    weight: Float(weight)
                )
            }
        case .f64:
            self.doubles.withUnsafeMutableBufferPointer {
                Kernels.accumulate(
                    F64Lanes.self,
                    into: .init(rebasing: $0[start..<(start + count)]),
                    from: base,
                    weight: weight
                )
            }
        case .i32, .i64, .u8, .bool: preconditionFailure("integer tensors are carried over, never accumulated")
        }
    }

    /// Reads a stored tensor of `count` elements of `dtype` into working precision.
    package init(decoding stored: UnsafeRawBufferPointer, dtype: DType, count: Int) {
        self.init(zeros: count, precision: Precision(for: dtype))
        guard let base = stored.baseAddress, count > 0 else { return }
        switch dtype {
        case .f32: self.floats.withUnsafeMutableBufferPointer { Kernels.decode(F32Lanes.self, from: base, into: $0) }
        case .f16: self.floats.withUnsafeMutableBufferPointer { Kernels.decode(F16Lanes.self, from: base, into: $0) }
        case .bf16: self.floats.withUnsafeMutableBufferPointer { Kernels.decode(BF16Lanes.self, from: base, into: $0) }
        case .f64: self.doubles.withUnsafeMutableBufferPointer { Kernels.decode(F64Lanes.self, from: base, into: $0) }
        case .i32, .i64, .u8, .bool: preconditionFailure("integer tensors are carried over, never decoded")
        }
    }

    /// Produces the values converted to `dtype`, in chunks, for a streaming writer.
    package func encode(
        as dtype: DType,
        into sink: (UnsafeRawBufferPointer) throws(SafetensorsError) -> Void
    ) throws(SafetensorsError) {
        switch dtype {
        case .f32 where self.precision == .float32, .f64 where self.precision == .float64:
            try self.withRawBytes(sink)
        case .f16: try self.encodeChunks(F16Lanes.self, into: sink)
        case .bf16: try self.encodeChunks(BF16Lanes.self, into: sink)
        default: preconditionFailure("a \(self.precision) buffer cannot be stored as \(dtype)")
        }
    }

    private func encodeChunks<L: Lanes>(
        _ lanes: L.Type,
        into sink: (UnsafeRawBufferPointer) throws(SafetensorsError) -> Void
    ) throws(SafetensorsError) where L.Scalar == Float {
        let chunk = 1 << 16
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk * L.stride, alignment: 16)
        defer { scratch.deallocate() }
        var start = 0
        while start < self.floats.count {
            let end = min(start + chunk, self.floats.count)
            for i in start..<end { L.store1(self.floats[i], scratch.baseAddress!, i - start) }
            try sink(UnsafeRawBufferPointer(rebasing: scratch[0..<((end - start) * L.stride)]))
            start = end
        }
    }
}
