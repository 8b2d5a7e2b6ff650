import Synchronization

/// The hot loops of aggregation: pure, allocation-free functions over contiguous storage.
///
/// Sixteen SIMD lanes with a scalar tail; large inputs are split across cores by `Parallel`. Every function is
/// synchronous and safe to call from any thread on buffers nobody else is writing.
package enum Kernels {
    /// `sum[i] += weight · update[i]` for every element, reading `update` in its stored dtype.
    package static func accumulate<L: Lanes>(
        _ lanes: L.Type,
        into sum: UnsafeMutableBufferPointer<L.Scalar>,
        from update: UnsafeRawPointer,
        weight: L.Scalar
    ) {
        let out = UnsafeMutableRawPointer(sum.baseAddress)
        Parallel.forEachChunk(count: sum.count) { range in
            guard let out else { return }
            let w = SIMD16<L.Scalar>(repeating: weight)
            var i = range.lowerBound
            while i &+ 16 <= range.upperBound {
                let offset = i &* MemoryLayout<L.Scalar>.stride
                let acc = out.loadUnaligned(fromByteOffset: offset, as: SIMD16<L.Scalar>.self)
                out.storeBytes(of: acc + w * L.load16(update, i), toByteOffset: offset, as: SIMD16<L.Scalar>.self)
                i &+= 16
            }
            let typed = out.assumingMemoryBound(to: L.Scalar.self)
            while i < range.upperBound {
                typed[i] += weight * L.load1(update, i)
                i &+= 1
            }
        }
    }

    /// `sum[i] += other[i]` for every element.
    package static func add<T: BinaryFloatingPoint & SIMDScalar>(
        into sum: UnsafeMutableBufferPointer<T>,
        _ other: UnsafeBufferPointer<T>
    ) {
        precondition(sum.count == other.count)
        guard let out = sum.baseAddress, let input = other.baseAddress else { return }
        Parallel.forEachChunk(count: sum.count) { range in
            var i = range.lowerBound
            while i &+ 16 <= range.upperBound {
                let a = UnsafeRawPointer(out + i).loadUnaligned(as: SIMD16<T>.self)
                let b = UnsafeRawPointer(input + i).loadUnaligned(as: SIMD16<T>.self)
                UnsafeMutableRawPointer(out + i).storeBytes(of: a + b, as: SIMD16<T>.self)
                i &+= 16
            }
            while i < range.upperBound {
                out[i] += input[i]
                i &+= 1
            }
        }
    }

    /// `values[i] *= factor` for every element.
    package static func scale<T: BinaryFloatingPoint & SIMDScalar>(
        _ values: UnsafeMutableBufferPointer<T>,
        by factor: T
    ) {
        guard let out = values.baseAddress else { return }
        Parallel.forEachChunk(count: values.count) { range in
            let f = SIMD16<T>(repeating: factor)
            var i = range.lowerBound
            while i &+ 16 <= range.upperBound {
                let a = UnsafeRawPointer(out + i).loadUnaligned(as: SIMD16<T>.self)
                UnsafeMutableRawPointer(out + i).storeBytes(of: a * f, as: SIMD16<T>.self)
                i &+= 16
            }
            while i < range.upperBound {
                out[i] *= factor
                i &+= 1
            }
        }
    }

    /// Whether all `count` elements stored at `base` are finite (no NaN, no ±Inf).
    package static func allFinite<L: Lanes>(_ lanes: L.Type, _ base: UnsafeRawPointer, count: Int) -> Bool {
        let failed = Atomic<Bool>(false)
        Parallel.forEachChunk(count: count) { range in
            var i = range.lowerBound
            var ok = true
            while i &+ 64 <= range.upperBound {
                // Four vectors per step keeps the loop bound by memory, not by the branch.
                ok =
                    L.finite16(base, i) && L.finite16(base, i &+ 16) && L.finite16(base, i &+ 32)
                    && L.finite16(base, i &+ 48)
                if !ok { break }
                i &+= 64
            }
            while ok && i < range.upperBound {
                ok = L.finite1(base, i)
                i &+= 1
            }
            if !ok { failed.store(true, ordering: .relaxed) }
        }
        return !failed.load(ordering: .relaxed)
    }

    /// Reads `count` stored elements into working precision: `out[i] = update[i]`.
    package static func decode<L: Lanes>(
        _ lanes: L.Type,
        from base: UnsafeRawPointer,
        into out: UnsafeMutableBufferPointer<L.Scalar>
    ) {
        guard let raw = UnsafeMutableRawPointer(out.baseAddress) else { return }
        Parallel.forEachChunk(count: out.count) { range in
            var i = range.lowerBound
            while i &+ 16 <= range.upperBound {
                raw.storeBytes(
                    of: L.load16(base, i),
                    toByteOffset: i &* MemoryLayout<L.Scalar>.stride,
                    as: SIMD16<L.Scalar>.self
                )
                i &+= 16
            }
            let typed = raw.assumingMemoryBound(to: L.Scalar.self)
            while i < range.upperBound {
                typed[i] = L.load1(base, i)
                i &+= 1
            }
        }
    }
}
