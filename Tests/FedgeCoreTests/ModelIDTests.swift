import FedgeCore
import Foundation
import Testing

@Suite("Model ids")
struct ModelIDTests {
    @Test func acceptsOnlySixtyFourHexDigits() {
        let hex = String(repeating: "ab", count: 32)
        #expect(ModelID(hex: hex)?.hex == hex)
        #expect(ModelID(hex: hex.uppercased())?.hex == hex)
        #expect(ModelID(hex: String(hex.dropLast())) == nil)
        #expect(ModelID(hex: String(hex.dropLast()) + "g") == nil)
        #expect(ModelID(hex: "") == nil)
        #expect(ModelID(hex: hex)?.shortPrefix == "abababababab")
    }

    @Test func digestBytesBecomeLowercaseHex() {
        let id = ModelID(digestBytes: (0..<32).map { UInt8($0 * 8) })
        #expect(id.hex.hasPrefix("0008101820"))
    }

    @Test func codableAsAString() throws {
        let id = ModelID(hex: String(repeating: "0f", count: 32))!
        let data = try JSONEncoder().encode([id])
        #expect(String(decoding: data, as: UTF8.self) == "[\"\(id.hex)\"]")
        #expect(try JSONDecoder().decode([ModelID].self, from: data) == [id])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([ModelID].self, from: Data("[\"xyz\"]".utf8)) }
    }
}
