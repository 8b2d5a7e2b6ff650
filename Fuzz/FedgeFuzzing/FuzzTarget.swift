import FedgeAggregation
import FedgeCore
import FedgeEdge
import FedgeProto
import FedgeRPC
import FedgeTensor
import Foundation
import SwiftProtobuf

/// The readers of untrusted bytes, each run on one input as a fuzzer (libFuzzer, through `fedge-fuzz`) or a
/// regression test runs it: any input may be refused with an error, none may crash, hang or take unbounded memory.
package enum FuzzTarget: String, CaseIterable, Sendable {
    /// A safetensors file: header parsed and checked, every tensor read and checked for finite values, the file
    /// validated as an update of a small fixed model.
    case safetensors
    /// A NumPy `.npz` archive, as a compute package's training writes it.
    case npz
    /// A compute package (`.tgz`), extracted into a fresh directory.
    case package
    /// Every protobuf message a combiner or the controller receives, decoded, and mapped to its model type where
    /// the service does that.
    case protobuf
    /// A call to one of the combiner's handlers that edge clients reach, through a live in-process combiner whose
    /// rounds give the fuzzer tasks (`CombinerHandlers`).
    case combiner
    /// A call to one of the controller's handlers that combiners and clients reach, through a live in-process
    /// controller (`ControllerHandlers`).
    case controller

    /// Runs the target on `bytes`. Errors are the expected answer to bad input and are swallowed.
    package func run(_ bytes: [UInt8]) {
        switch self {
        case .safetensors: Self.withFile(bytes, suffix: "safetensors") { Self.safetensors($0) }
        case .npz: Self.withFile(bytes, suffix: "npz") { _ = try? NumpyArchive.read($0) }
        case .package: Self.withFile(bytes, suffix: "tgz") { Self.package($0) }
        case .protobuf: Self.protobuf(bytes)
        case .combiner: CombinerHandlers.shared.run(bytes)
        case .controller: ControllerHandlers.shared.run(bytes)
        }
    }

    /// Seeds made by the code rather than kept as files only: `fedge-fuzz seeds DIR` writes them to DIR/TARGET/.
    package static func generatedSeeds() throws -> [FuzzTarget: [String: [UInt8]]] {
        [.combiner: try CombinerHandlers.seeds(), .controller: try ControllerHandlers.seeds()]
    }

    private static func safetensors(_ path: String) {
        guard let file = try? SafetensorsFile(path: path) else { return }
        for index in file.tensors.indices {
            let dtype = file.tensors[index].dtype
            file.forEachBlock(ofTensor: index) { _, bytes in
                _ = TensorBuffer.allFinite(bytes, dtype: dtype, count: bytes.count / max(dtype.byteWidth, 1))
            }
        }
        _ = file.computeModelID()
        var reducer = UpdateReducer(config: .fedavg, layout: Self.layout)
        try? reducer.add(file, weight: 1, contribution: Contribution(client: "fuzz", weight: 1, update: Self.zeroID))
        _ = try? reducer.finish().mean()
    }

    private static func package(_ path: String) {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("fedge-fuzz-package-\(getpid())-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let limits = PackageArchive.Limits(files: 1_000, bytes: 64 << 20, archiveBytes: 16 << 20)
        try? PackageArchive.extract(URL(fileURLWithPath: path), into: directory, limits: limits)
    }

    private static func protobuf(_ bytes: [UInt8]) {
        let data = Data(bytes)
        if let event = try? Fedge_V1_ClientEvent(serializedBytes: data) { _ = Telemetry(event.heartbeat.telemetry) }
        if let chunk = try? Fedge_V1_UpdateChunk(serializedBytes: data) { _ = UpdateAnnouncement(chunk.header) }
        if let header = try? Fedge_V1_UpdateHeader(serializedBytes: data) { _ = UpdateAnnouncement(header) }
        if let command = try? Fedge_V1_ControllerCommand(serializedBytes: data) { _ = try? RoundPlan(command.plan) }
        if let plan = try? Fedge_V1_RoundPlan(serializedBytes: data) { _ = try? RoundPlan(plan) }
        if let task = try? Fedge_V1_TaskAssignment(serializedBytes: data) { _ = try? TrainingTask(task) }
        _ = try? Fedge_V1_ClientHello(serializedBytes: data)
        _ = try? Fedge_V1_CombinerHello(serializedBytes: data)
        _ = try? Fedge_V1_CombinerEvent(serializedBytes: data)
        _ = try? Fedge_V1_CombinerReport(serializedBytes: data)
        _ = try? Fedge_V1_PartialChunk(serializedBytes: data)
        _ = try? Fedge_V1_ModelRequest(serializedBytes: data)
        _ = try? Fedge_V1_AssignRequest(serializedBytes: data)
        _ = try? Fedge_V1_ModelChunk(serializedBytes: data)
    }

    /// The model every safetensors input is validated against: two float tensors and an integer one.
    private static let layout = ModelLayout(
        tensors: [
            TensorDescriptor(name: "w", dtype: .f32, shape: [4, 4]),
            TensorDescriptor(name: "b", dtype: .f16, shape: [4]),
            TensorDescriptor(name: "steps", dtype: .i64, shape: []),
        ]
    )

    private static let zeroID = ModelID(digestBytes: [UInt8](repeating: 0, count: 32))

    /// Writes `bytes` to a file of this process and thread, and runs `body` on its path.
    private static func withFile(_ bytes: [UInt8], suffix: String, _ body: (String) -> Void) {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("fedge-fuzz-\(getpid())-\(UUID().uuidString).\(suffix)").path
        defer { unlink(path) }
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { return }
        body(path)
    }
}
