import FedgeTensor
import FedgeTestSupport
import Foundation
import Testing

/// Every malformed file gets a typed error naming what is wrong, never a crash or a hang.
@Suite("Malformed safetensors files")
struct SafetensorsMalformedTests {
    /// A file made of an explicit header and data section.
    static func file(header: String, data: [UInt8] = [], length: UInt64? = nil) -> [UInt8] {
        let json = Array(header.utf8)
        var bytes: [UInt8] = []
        withUnsafeBytes(of: (length ?? UInt64(json.count)).littleEndian) { bytes.append(contentsOf: $0) }
        return bytes + json + data
    }

    static func open(_ bytes: [UInt8]) throws(SafetensorsError) -> SafetensorsFile {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fedge-malformed-\(UUID().uuidString)")
            .path
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try SafetensorsFile(path: path)
    }

    /// Which case of `SafetensorsError` a refusal is, without its payload.
    static func kind(of bytes: [UInt8]) -> String? {
        do {
            _ = try Self.open(bytes)
            return nil
        } catch {
            return String("\(Mirror(reflecting: error).children.first?.label ?? "\(error)")")
        }
    }

    static let eight = [UInt8](repeating: 0, count: 8)

    @Test(arguments: [
        ([UInt8](), "truncated"),
        ([1, 2, 3], "truncated"),
        (file(header: "{}", length: 40), "truncated"),
        (file(header: "{}", length: 200_000_000), "headerTooLarge"),
        (file(header: "{}", length: UInt64.max), "headerTooLarge"),
        (file(header: "not json"), "badJSON"),
        (file(header: "[1, 2]"), "badJSON"),
        (file(header: "{\"a\": {\"dtype\": \"F32\", \"shape\": [2]}}", data: eight), "badJSON"),
        (
            file(header: "{\"a\": {\"dtype\": \"F32\", \"shape\": [\"2\"], \"data_offsets\": [0, 8]}}", data: eight),
            "badJSON"
        ),
        (
            file(header: "{\"a\": {\"dtype\": \"F32\", \"shape\": [2.5], \"data_offsets\": [0, 8]}}", data: eight),
            "badJSON"
        ),
        (
            file(
                header:
                    "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, \"__metadata__\": {\"k\": 1}}",
                data: eight
            ), "badJSON"
        ),
        (
            file(header: "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}", data: eight),
            "badJSON"
        ),
        ([8, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe, 0x7b, 0x7d, 0x20, 0x20, 0x20, 0x20], "badJSON"),
        (
            file(header: "{\"a\": {\"dtype\": \"Q7\", \"shape\": [2], \"data_offsets\": [0, 8]}}", data: eight),
            "unknownDType"
        ),
        (
            file(header: "{\"a\": {\"dtype\": \"F32\", \"shape\": [-2], \"data_offsets\": [0, 8]}}", data: eight),
            "badShape"
        ),
        (
            file(
                header: "{\"a\": {\"dtype\": \"F32\", \"shape\": [4294967296, 4294967296], \"data_offsets\": [0, 8]}}",
                data: eight
            ), "badShape"
        ),
        (
            file(header: "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 0]}}", data: eight),
            "badOffsets"
        ),
        (
            file(header: "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 4, 8]}}", data: eight),
            "badOffsets"
        ),
        (
            file(header: "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [-8, 0]}}", data: eight),
            "badOffsets"
        ),
        (
            file(header: "{\"a\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}", data: eight),
            "offsetsOutOfBounds"
        ),
        (
            file(header: "{\"a\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 8]}}", data: eight),
            "sizeMismatch"
        ),
        (
            file(
                header:
                    "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, \"b\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}",
                data: eight
            ), "offsetsOverlap"
        ),
        (
            file(header: "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", data: eight),
            "uncoveredBytes"
        ),
        (
            file(header: "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", data: eight),
            "uncoveredBytes"
        ),
    ])
    func refusedWithTheRightError(bytes: [UInt8], expected: String) {
        #expect(Self.kind(of: bytes) == expected)
    }

    @Test func errorsReadAsSentences() {
        do {
            _ = try Self.open(
                Self.file(
                    header: "{\"w\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 8]}}",
                    data: Self.eight
                )
            )
            Issue.record("a size mismatch was accepted")
        } catch {
            #expect("\(error)".contains("tensor 'w'"))
            #expect("\(error)".contains("holds 8 bytes but its shape and dtype need 12"))
        }
    }

    @Test func missingFileIsAnIOError() {
        #expect(throws: SafetensorsError.self) { try SafetensorsFile(path: "/nonexistent/fedge/model.safetensors") }
        #expect(throws: SafetensorsError.self) { try SafetensorsFile(path: "/tmp") }
    }

    /// Every truncation and thousands of random corruptions of a valid file parse or throw; none crashes.
    @Test func corruptedFilesNeverCrash() throws {
        var generator = SeededGenerator(seed: 3)
        let model = RandomModel.make(
            [
                TensorDescriptor(name: "w", dtype: .f32, shape: [4, 2]),
                TensorDescriptor(name: "n", dtype: .i64, shape: []),
            ],
            metadata: ["k": "v"],
            using: &generator
        )
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fedge-fuzz-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try SafetensorsWriter.write(model, to: path)
        let valid = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        for cut in 0..<valid.count {
            #expect(Self.kind(of: Array(valid[..<cut])) != nil, "a file cut at \(cut) bytes was accepted")
        }
        for _ in 0..<1500 {
            var bytes = valid
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let i = Int.random(in: 0..<bytes.count, using: &generator)
                bytes[i] = UInt8.random(in: 0...255, using: &generator)
            }
            _ = Self.kind(of: bytes)
        }
    }
}
