/// How to read elements of one stored dtype as a working scalar (Float or Double), sixteen lanes at a time.
///
/// Loads are unaligned: tensors inside a safetensors file sit wherever the writer put them.
package protocol Lanes {
    associatedtype Scalar: BinaryFloatingPoint & SIMDScalar
    /// Bytes per stored element.
    static var stride: Int { get }
    /// Loads sixteen elements starting at element `index`.
    static func load16(_ base: UnsafeRawPointer, _ index: Int) -> SIMD16<Scalar>
    /// Loads one element.
    static func load1(_ base: UnsafeRawPointer, _ index: Int) -> Scalar
    /// Whether the sixteen elements at `index` are all finite, checked on their bit patterns.
    static func finite16(_ base: UnsafeRawPointer, _ index: Int) -> Bool
    /// Whether the element at `index` is finite.
    static func finite1(_ base: UnsafeRawPointer, _ index: Int) -> Bool
    /// Stores one element, rounding to nearest-even when the stored dtype is narrower.
    static func store1(_ value: Scalar, _ base: UnsafeMutableRawPointer, _ index: Int)
}

/// Float32 stored, Float32 working.
package enum F32Lanes: Lanes {
    package static var stride: Int { 4 }
    @inline(__always)
    package static func load16(_ base: UnsafeRawPointer, _ index: Int) -> SIMD16<Float> {
        base.loadUnaligned(fromByteOffset: index &* 4, as: SIMD16<Float>.self)
    }
    @inline(__always)
    package static func load1(_ base: UnsafeRawPointer, _ index: Int) -> Float {
        base.loadUnaligned(fromByteOffset: index &* 4, as: Float.self)
    }
    @inline(__always)
    package static func finite16(_ base: UnsafeRawPointer, _ index: Int) -> Bool {
        let bits = base.loadUnaligned(fromByteOffset: index &* 4, as: SIMD16<UInt32>.self)
        let mask = SIMD16<UInt32>(repeating: 0x7f80_0000)
        return !any((bits & mask) .== mask)
    }
    @inline(__always)
    package static func finite1(_ base: UnsafeRawPointer, _ index: Int) -> Bool {
        (base.loadUnaligned(fromByteOffset: index &* 4, as: UInt32.self) & 0x7f80_0000) != 0x7f80_0000
    }
    @inline(__always)
    package static func store1(_ value: Float, _ base: UnsafeMutableRawPointer, _ index: Int) {
        base.storeBytes(of: value, toByteOffset: index &* 4, as: Float.self)
    }
}

/// IEEE half stored, Float32 working.
package enum F16Lanes: Lanes {
    package static var stride: Int { 2 }
    @inline(__always)
    package static func load16(_ base: UnsafeRawPointer, _ index: Int) -> SIMD16<Float> {
        let bits = base.loadUnaligned(fromByteOffset: index &* 2, as: SIMD16<UInt16>.self)
        var out = SIMD16<Float>()
        for lane in 0..<16 { out[lane] = Float(Float16(bitPattern: bits[lane])) }
        return out
    }
    @inline(__always)
    package static func load1(_ base: UnsafeRawPointer, _ index: Int) -> Float {
        Float(Float16(bitPattern: base.loadUnaligned(fromByteOffset: index &* 2, as: UInt16.self)))
    }
    @inline(__always)
    package static func finite16(_ base: UnsafeRawPointer, _ index: Int) -> Bool {
        let bits = base.loadUnaligned(fromByteOffset: index &* 2, as: SIMD16<UInt16>.self)
        let mask = SIMD16<UInt16>(repeating: 0x7c00)
        return !any((bits & mask) .== mask)
    }
    @inline(__always)
    package static func finite1(_ base: UnsafeRawPointer, _ index: Int) -> Bool {
        (base.loadUnaligned(fromByteOffset: index &* 2, as: UInt16.self) & 0x7c00) != 0x7c00
    }
    @inline(__always)
    package static func store1(_ value: Float, _ base: UnsafeMutableRawPointer, _ index: Int) {
        base.storeBytes(of: Float16(value).bitPattern, toByteOffset: index &* 2, as: UInt16.self)
    }
}

/// bfloat16 stored (the top half of a Float32), Float32 working.
package enum BF16Lanes: Lanes {
    package static var stride: Int { 2 }
    @inline(__always)
    package static func load16(_ base: UnsafeRawPointer, _ index: Int) -> SIMD16<Float> {
        let bits = base.loadUnaligned(fromByteOffset: index &* 2, as: SIMD16<UInt16>.self)
        let wide = SIMD16<UInt32>(truncatingIfNeeded: bits) &<< 16
        return unsafeBitCast(wide, to: SIMD16<Float>.self)
    }
    @inline(__always)
    package static func load1(_ base: UnsafeRawPointer, _ index: Int) -> Float {
        Float(bitPattern: UInt32(base.loadUnaligned(fromByteOffset: index &* 2, as: UInt16.self)) << 16)
    }
    @inline(__always)
    package static func finite16(_ base: UnsafeRawPointer, _ index: Int) -> Bool {
        let bits = base.loadUnaligned(fromByteOffset: index &* 2, as: SIMD16<UInt16>.self)
        let mask = SIMD16<UInt16>(repeating: 0x7f80)
        return !any((bits & mask) .== mask)
    }
    @inline(__always)
    package static func finite1(_ base: UnsafeRawPointer, _ index: Int) -> Bool {
        (base.loadUnaligned(fromByteOffset: index &* 2, as: UInt16.self) & 0x7f80) != 0x7f80
    }
    @inline(__always)
    package static func store1(_ value: Float, _ base: UnsafeMutableRawPointer, _ index: Int) {
        let bits = value.bitPattern
        let rounded: UInt32 =
            value.isNaN ? 0x7fc0_0000 : bits &+ 0x7fff &+ ((bits >> 16) & 1)
        base.storeBytes(of: UInt16(truncatingIfNeeded: rounded >> 16), toByteOffset: index &* 2, as: UInt16.self)
    }
}

/// Float64 stored, Float64 working.
package enum F64Lanes: Lanes {
    package static var stride: Int { 8 }
    @inline(__always)
    package static func load16(_ base: UnsafeRawPointer, _ index: Int) -> SIMD16<Double> {
        base.loadUnaligned(fromByteOffset: index &* 8, as: SIMD16<Double>.self)
    }
    @inline(__always)
    package static func load1(_ base: UnsafeRawPointer, _ index: Int) -> Double {
        base.loadUnaligned(fromByteOffset: index &* 8, as: Double.self)
    }
    @inline(__always)
    package static func finite16(_ base: UnsafeRawPointer, _ index: Int) -> Bool {
        let bits = base.loadUnaligned(fromByteOffset: index &* 8, as: SIMD16<UInt64>.self)
        let mask = SIMD16<UInt64>(repeating: 0x7ff0_0000_0000_0000)
        return !any((bits & mask) .== mask)
    }
    @inline(__always)
    package static func finite1(_ base: UnsafeRawPointer, _ index: Int) -> Bool {
        (base.loadUnaligned(fromByteOffset: index &* 8, as: UInt64.self) & 0x7ff0_0000_0000_0000)
            != 0x7ff0_0000_0000_0000
    }
    @inline(__always)
    package static func store1(_ value: Double, _ base: UnsafeMutableRawPointer, _ index: Int) {
        base.storeBytes(of: value, toByteOffset: index &* 8, as: Double.self)
    }
}
