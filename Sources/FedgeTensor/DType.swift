/// The element types a Fedge tensor can hold, named as in the safetensors header.
package enum DType: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case f32 = "F32"
    case f16 = "F16"
    case bf16 = "BF16"
    case f64 = "F64"
    case i32 = "I32"
    case i64 = "I64"
    case u8 = "U8"
    case bool = "BOOL"

    /// Bytes per element.
    package var byteWidth: Int {
        switch self {
        case .f64, .i64: 8
        case .f32, .i32: 4
        case .f16, .bf16: 2
        case .u8, .bool: 1
        }
    }

    /// Whether the dtype holds floating-point values, which aggregation averages. Others are carried over.
    package var isFloatingPoint: Bool {
        switch self {
        case .f32, .f16, .bf16, .f64: true
        case .i32, .i64, .u8, .bool: false
        }
    }

    package var description: String { self.rawValue }
}
