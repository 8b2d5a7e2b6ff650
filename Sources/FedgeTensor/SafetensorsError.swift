#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a safetensors file could not be read or written.
package enum SafetensorsError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file could not be opened, mapped, written or renamed.
    case io(path: String, operation: String, errno: Int32)
    /// The file ends before the header or the data it announces.
    case truncated(path: String, needed: Int, actual: Int)
    /// The header length field is larger than any sane header.
    case headerTooLarge(path: String, length: UInt64, limit: Int)
    /// The header is not valid UTF-8 JSON of the expected shape.
    case badJSON(path: String, reason: String)
    /// A tensor names a dtype Fedge does not know.
    case unknownDType(path: String, tensor: String, dtype: String)
    /// A tensor's shape has a negative dimension or too many elements.
    case badShape(path: String, tensor: String, shape: [Int])
    /// A tensor's byte range is not `[start, end]` with `start <= end`.
    case badOffsets(path: String, tensor: String, offsets: [Int])
    /// A tensor's byte range ends past the data section.
    case offsetsOutOfBounds(path: String, tensor: String, end: Int, dataLength: Int)
    /// Two tensors' byte ranges overlap.
    case offsetsOverlap(path: String, tensor: String, other: String)
    /// The data section has bytes that no tensor covers.
    case uncoveredBytes(path: String, start: Int, end: Int)
    /// A tensor's byte range does not hold exactly `shape × dtype` bytes.
    case sizeMismatch(path: String, tensor: String, expected: Int, actual: Int)
    /// Two tensors share a name.
    case duplicateTensor(path: String, tensor: String)
    /// The writer was given bytes that do not match the declared tensors.
    case writeMismatch(path: String, reason: String)

    package var description: String {
        switch self {
        case .io(let path, let operation, let errno):
            return "cannot \(operation) \(path): \(Self.describe(errno: errno))"
        case .truncated(let path, let needed, let actual):
            return "\(path) is truncated: it has \(actual) bytes but its header needs \(needed); copy the file again"
        case .headerTooLarge(let path, let length, let limit):
            return
                "\(path) announces a \(length)-byte header, over the \(limit)-byte limit; it is not a safetensors file"
        case .badJSON(let path, let reason):
            return "\(path) has a malformed safetensors header: \(reason)"
        case .unknownDType(let path, let tensor, let dtype):
            let known = DType.allCases.map(\.rawValue).joined(separator: ", ")
            return
                "tensor '\(tensor)' in \(path) has dtype '\(dtype)', which Fedge does not support (it supports \(known))"
        case .badShape(let path, let tensor, let shape):
            return
                "tensor '\(tensor)' in \(path) has an invalid shape \(shape): dimensions must be non-negative and small enough to address"
        case .badOffsets(let path, let tensor, let offsets):
            return "tensor '\(tensor)' in \(path) has data_offsets \(offsets); expected [start, end] with start <= end"
        case .offsetsOutOfBounds(let path, let tensor, let end, let dataLength):
            return
                "tensor '\(tensor)' in \(path) ends at byte \(end) of a \(dataLength)-byte data section; the file is truncated or corrupt"
        case .offsetsOverlap(let path, let tensor, let other):
            return "tensors '\(tensor)' and '\(other)' in \(path) overlap; the file is corrupt"
        case .uncoveredBytes(let path, let start, let end):
            return "bytes \(start)..<\(end) of the data section in \(path) belong to no tensor; the file is corrupt"
        case .sizeMismatch(let path, let tensor, let expected, let actual):
            return "tensor '\(tensor)' in \(path) holds \(actual) bytes but its shape and dtype need \(expected)"
        case .duplicateTensor(let path, let tensor):
            return "tensor '\(tensor)' appears twice in \(path)"
        case .writeMismatch(let path, let reason):
            return "cannot write \(path): \(reason)"
        }
    }

    private static func describe(errno: Int32) -> String {
        String(cString: strerror(errno))
    }
}
