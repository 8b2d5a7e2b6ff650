import FedgeEdge
import FedgeTensor
import FedgeTestSupport
import Foundation
import Testing

/// Files made by Python's `safetensors` load in Fedge, and files Fedge writes load in Python.
@Suite("Interoperability with Python's safetensors")
struct PythonInteropTests {
    static let fixtures = ExternalTools.repositoryRoot + "/Tests/FedgeTensorTests/Fixtures"

    struct Expected: Decodable {
        var shape: [Int]
        var values: [Double]
    }

    @Test(arguments: ["python-f32.safetensors", "python-mixed.safetensors", "python-bf16.safetensors"])
    func fixturesMadeByPythonLoad(name: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/python-fixtures.json"))
        let expected = try JSONDecoder().decode([String: [String: Expected]].self, from: data)[name]!
        let file = try SafetensorsFile(path: Self.fixtures + "/" + name)
        #expect(Set(file.tensors.map(\.name)) == Set(expected.keys))
        for (i, entry) in file.tensors.enumerated() {
            let want = expected[entry.name]!
            #expect(entry.shape == want.shape, "\(entry.name)")
            let values = file.withTensorBytes(at: i) { RandomModel.decode($0, dtype: entry.dtype) }
            #expect(values == want.values, "\(entry.name)")
        }
        if name == "python-f32.safetensors" {
            #expect(file.metadata == ["format": "np", "source": "python"])
        }
    }

    struct Dump: Decodable {
        struct Tensor: Decodable {
            var dtype: String
            var shape: [Int]
            var values: [Double]
        }
        var tensors: [String: Tensor]
        var __metadata__: [String: String]
    }

    @Test(
        .enabled(
            if: ExternalTools.hasPythonSafetensors,
            "needs python3 with numpy and safetensors (pip install numpy safetensors)"
        )
    )
    func filesWrittenByFedgeLoadInPython() async throws {
        var generator = SeededGenerator(seed: 99)
        let model = RandomModel.make(
            SafetensorsRoundTripTests.everyDType.filter { !$0.name.contains("\n") },
            metadata: ["written-by": "fedge", "quote": "a \"b\""],
            using: &generator
        )
        try await withTemporaryDirectory { dir in
            let path = dir + "/fedge.safetensors"
            try SafetensorsWriter.write(model, to: path)
            let output = try await ExternalTools.run(
                "/usr/bin/env",
                ["python3", ExternalTools.repositoryRoot + "/Scripts/safetensors-dump.py", path]
            )
            #expect(output.status == 0, "python could not read the file: \(output.stderr)")
            let dump = try JSONDecoder().decode(Dump.self, from: Data(output.stdout.utf8))
            #expect(dump.__metadata__ == model.metadata)
            #expect(Set(dump.tensors.keys) == Set(model.tensors.map(\.name)))
            for (descriptor, bytes) in zip(model.tensors, model.data) {
                let tensor = dump.tensors[descriptor.name]!
                #expect(tensor.dtype == descriptor.dtype.rawValue)
                #expect(tensor.shape == descriptor.shape)
                let values = bytes.withUnsafeBytes { RandomModel.decode($0, dtype: descriptor.dtype) }
                #expect(tensor.values == values, "\(descriptor.name)")
            }
        }
    }
}
