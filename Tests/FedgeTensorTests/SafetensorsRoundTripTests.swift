import FedgeCore
import FedgeTensor
import FedgeTestSupport
import Foundation
import Testing

@Suite("Safetensors round trip")
struct SafetensorsRoundTripTests {
    static let everyDType: [TensorDescriptor] = [
        TensorDescriptor(name: "f32", dtype: .f32, shape: [3, 5]),
        TensorDescriptor(name: "f16", dtype: .f16, shape: [7]),
        TensorDescriptor(name: "bf16", dtype: .bf16, shape: [2, 2, 2]),
        TensorDescriptor(name: "f64", dtype: .f64, shape: [4]),
        TensorDescriptor(name: "i32", dtype: .i32, shape: [3]),
        TensorDescriptor(name: "i64", dtype: .i64, shape: []),
        TensorDescriptor(name: "u8", dtype: .u8, shape: [5]),
        TensorDescriptor(name: "bool", dtype: .bool, shape: [1, 3]),
        TensorDescriptor(name: "scalar", dtype: .f32, shape: []),
        TensorDescriptor(name: "empty", dtype: .f32, shape: [0, 4]),
        TensorDescriptor(name: "na\"me\\with\nodd ✓ chars", dtype: .f32, shape: [1]),
    ]

    @Test func everyDTypeSurvivesWriteAndRead() async throws {
        var generator = SeededGenerator(seed: 1)
        let model = RandomModel.make(Self.everyDType, metadata: ["a": "b", "quote\"": "x\ny"], using: &generator)
        try await withTemporaryDirectory { dir in
            let path = dir + "/model.safetensors"
            let id = try SafetensorsWriter.write(model, to: path)
            let file = try SafetensorsFile(path: path)
            #expect(file.descriptors == model.tensors)
            #expect(file.metadata == model.metadata)
            #expect(InMemoryModel(file) == model)
            #expect(file.dataOffset % 8 == 0)
            #expect(id == file.computeModelID())
            #expect(id == (try ModelID.ofFile(atPath: path)))
        }
    }

    @Test func modelIDIsTheSHA256OfTheFile() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/abc"
            try Data("abc".utf8).write(to: URL(fileURLWithPath: path))
            #expect(
                try ModelID.ofFile(atPath: path).hex
                    == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
            )
        }
    }

    @Test func emptyModelIsValid() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/empty.safetensors"
            try SafetensorsWriter.write(InMemoryModel(), to: path)
            let file = try SafetensorsFile(path: path)
            #expect(file.tensors.isEmpty)
        }
    }

    @Test func writerRefusesTheWrongNumberOfBytesAndLeavesNothingBehind() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/short.safetensors"
            do {
                let writer = try SafetensorsWriter(
                    path: path,
                    tensors: [TensorDescriptor(name: "a", dtype: .f32, shape: [2])]
                )
                try [UInt8](repeating: 0, count: 4).withBytes { (b) throws(SafetensorsError) in try writer.append(b) }
                #expect(throws: SafetensorsError.self) { try writer.finish() }
                #expect(throws: SafetensorsError.self) {
                    try [UInt8](repeating: 0, count: 8).withBytes { (b) throws(SafetensorsError) in try writer.append(b)
                    }
                }
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
        }
    }

    @Test func writerRefusesDuplicateNames() async throws {
        await withTemporaryDirectory { dir in
            let a = TensorDescriptor(name: "a", dtype: .f32, shape: [1])
            #expect(throws: SafetensorsError.duplicateTensor(path: dir + "/x", tensor: "a")) {
                _ = try SafetensorsWriter(path: dir + "/x", tensors: [a, a])
            }
        }
    }

    @Test func largeTensorsStreamInChunks() async throws {
        var generator = SeededGenerator(seed: 2)
        let model = RandomModel.make(
            [
                TensorDescriptor(name: "big", dtype: .f32, shape: [700_000]),
                TensorDescriptor(name: "tail", dtype: .f16, shape: [3]),
            ],
            using: &generator
        )
        try await withTemporaryDirectory { dir in
            let path = dir + "/big.safetensors"
            try SafetensorsWriter.write(model, to: path)
            #expect(InMemoryModel(try SafetensorsFile(path: path)) == model)
        }
    }

    /// Appends of 4 MiB and more are hashed on another core while they are written: the id must still be the
    /// file's SHA-256, with or without fsync.
    @Test(arguments: [FileDurability.durable, .atomic])
    func appendsHashedWhileWrittenGiveTheFilesID(durability: FileDurability) async throws {
        var generator = SeededGenerator(seed: 3)
        let model = RandomModel.make(
            [
                TensorDescriptor(name: "small", dtype: .f32, shape: [1000]),
                TensorDescriptor(name: "large", dtype: .f32, shape: [3_000_000]),  // 12 MB: one direct write
                TensorDescriptor(name: "tail", dtype: .bf16, shape: [5]),
            ],
            using: &generator
        )
        try await withTemporaryDirectory { dir in
            let path = dir + "/large.safetensors"
            let id = try SafetensorsWriter.write(model, to: path, durability: durability)
            #expect(id == (try ModelID.ofFile(atPath: path)))
            #expect(InMemoryModel(try SafetensorsFile(path: path)) == model)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["large.safetensors"])
        }
    }
}
