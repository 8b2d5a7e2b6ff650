import Foundation

/// The parsed, validated header of a safetensors file: its tensors in data order and its metadata.
package struct SafetensorsHeader: Sendable, Hashable {
    /// The largest header Fedge reads, as in the reference implementation (100 MB).
    package static let maximumLength = 100_000_000
    /// The key of the free-form string map in the header.
    package static let metadataKey = "__metadata__"

    /// The tensors, ordered by their position in the data section.
    package var tensors: [TensorEntry]
    /// The `__metadata__` string map (empty when absent).
    package var metadata: [String: String]

    package init(tensors: [TensorEntry], metadata: [String: String]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// Parses and validates a header against a data section of `dataLength` bytes.
    ///
    /// Checks every rule of the format: known dtypes, sane shapes, `[start, end]` offsets, sizes that match
    /// shape × dtype, no overlap, no gap, no byte past the end and none left over.
    /// - Parameter path: used only in error messages.
    package static func parse(
        json: UnsafeRawBufferPointer,
        dataLength: Int,
        path: String
    ) throws(SafetensorsError) -> SafetensorsHeader {
        let raw: RawHeader
        do {
            raw = try JSONDecoder().decode(RawHeader.self, from: Data(json))
        } catch let error as SafetensorsError {
            throw error
        } catch let error as DecodingError {
            throw .badJSON(path: path, reason: Self.explain(error))
        } catch {
            throw .badJSON(path: path, reason: "\(error)")
        }
        var entries: [TensorEntry] = []
        entries.reserveCapacity(raw.tensors.count)
        for (name, field) in raw.tensors {
            guard let dtype = DType(rawValue: field.dtype) else {
                throw .unknownDType(path: path, tensor: name, dtype: field.dtype)
            }
            let descriptor = TensorDescriptor(name: name, dtype: dtype, shape: field.shape)
            guard let expected = descriptor.checkedByteCount else {
                throw .badShape(path: path, tensor: name, shape: field.shape)
            }
            guard field.offsets.count == 2, field.offsets[0] >= 0, field.offsets[0] <= field.offsets[1] else {
                throw .badOffsets(path: path, tensor: name, offsets: field.offsets)
            }
            let range = field.offsets[0]..<field.offsets[1]
            guard range.upperBound <= dataLength else {
                throw .offsetsOutOfBounds(path: path, tensor: name, end: range.upperBound, dataLength: dataLength)
            }
            guard range.count == expected else {
                throw .sizeMismatch(path: path, tensor: name, expected: expected, actual: range.count)
            }
            entries.append(TensorEntry(descriptor: descriptor, range: range))
        }
        entries.sort {
            ($0.range.lowerBound, $0.range.upperBound, $0.name) < ($1.range.lowerBound, $1.range.upperBound, $1.name)
        }
        var cursor = 0
        var previous: String? = nil
        for entry in entries {
            if entry.range.lowerBound < cursor {
                throw .offsetsOverlap(path: path, tensor: entry.name, other: previous ?? entry.name)
            }
            if entry.range.lowerBound > cursor {
                throw .uncoveredBytes(path: path, start: cursor, end: entry.range.lowerBound)
            }
            if !entry.range.isEmpty || previous == nil {
                previous = entry.name
            }
            cursor = entry.range.upperBound
        }
        if cursor != dataLength {
            throw .uncoveredBytes(path: path, start: cursor, end: dataLength)
        }
        return SafetensorsHeader(tensors: entries, metadata: raw.metadata)
    }

    /// Encodes a header for `tensors` laid out back to back in the given order, padded with spaces so that the
    /// data section starts on an 8-byte boundary. Returns the header bytes (without the length prefix).
    package static func encode(tensors: [TensorDescriptor], metadata: [String: String]) -> [UInt8] {
        var json = "{"
        var first = true
        if !metadata.isEmpty {
            json += "\"\(Self.metadataKey)\":{"
            json += metadata.sorted { $0.key < $1.key }
                .map { "\(Self.quote($0.key)):\(Self.quote($0.value))" }
                .joined(separator: ",")
            json += "}"
            first = false
        }
        var offset = 0
        for tensor in tensors {
            let end = offset + tensor.byteCount
            if !first { json += "," }
            first = false
            json += Self.quote(tensor.name)
            json += ":{\"dtype\":\"\(tensor.dtype.rawValue)\",\"shape\":["
            json += tensor.shape.map(String.init).joined(separator: ",")
            json += "],\"data_offsets\":[\(offset),\(end)]}"
            offset = end
        }
        json += "}"
        var bytes = Array(json.utf8)
        while (bytes.count + 8) % 8 != 0 { bytes.append(UInt8(ascii: " ")) }
        return bytes
    }

    /// Quotes a string as a JSON string literal.
    private static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    private static func explain(_ error: DecodingError) -> String {
        func at(_ path: [any CodingKey]) -> String {
            path.isEmpty ? "the top level" : "'" + path.map(\.stringValue).joined(separator: ".") + "'"
        }
        switch error {
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "it is not valid JSON" }
            return "\(at(context.codingPath)): \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "\(at(context.codingPath)) lacks the field '\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(at(context.codingPath)) has the wrong type: \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}

/// The header as JSON, before validation.
private struct RawHeader: Decodable {
    struct Field: Decodable {
        var dtype: String
        var shape: [Int]
        var offsets: [Int]
        enum CodingKeys: String, CodingKey {
            case dtype
            case shape
            case offsets = "data_offsets"
        }
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    var tensors: [(String, Field)] = []
    var metadata: [String: String] = [:]

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        for key in container.allKeys {
            if key.stringValue == SafetensorsHeader.metadataKey {
                self.metadata = try container.decode([String: String].self, forKey: key)
            } else {
                self.tensors.append((key.stringValue, try container.decode(Field.self, forKey: key)))
            }
        }
    }
}
