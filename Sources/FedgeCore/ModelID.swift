/// The identity of a model: the SHA-256 digest of its safetensors file, as 64 lowercase hex digits.
///
/// Two files with the same bytes have the same id, so ids double as content addresses in the blob store and as
/// update hashes in contributions.
package struct ModelID: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    /// The digest as 64 lowercase hexadecimal digits.
    package let hex: String

    /// Wraps a digest given as hex, or returns `nil` when `hex` is not 64 hexadecimal digits.
    package init?(hex: String) {
        let lowered = hex.lowercased()
        guard lowered.utf8.count == 64, lowered.utf8.allSatisfy({ ModelID.isHexDigit($0) }) else { return nil }
        self.hex = lowered
    }

    /// Wraps a raw 32-byte digest.
    package init<Digest: Sequence>(digestBytes: Digest) where Digest.Element == UInt8 {
        let table = Array("0123456789abcdef".utf8)
        var characters: [UInt8] = []
        characters.reserveCapacity(64)
        for byte in digestBytes {
            characters.append(table[Int(byte >> 4)])
            characters.append(table[Int(byte & 0x0f)])
        }
        precondition(characters.count == 64, "a SHA-256 digest has 32 bytes")
        self.hex = String(decoding: characters, as: UTF8.self)
    }

    /// The first 12 hex digits, enough to tell models apart on a screen.
    package var shortPrefix: String { String(self.hex.prefix(12)) }

    package var description: String { self.hex }

    package static func < (lhs: ModelID, rhs: ModelID) -> Bool { lhs.hex < rhs.hex }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let id = ModelID(hex: text) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "'\(text)' is not a model id: expected 64 hexadecimal digits of a SHA-256 digest"
            )
        }
        self = id
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(self.hex)
    }

    private static func isHexDigit(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "f"))
    }
}
