import ArgumentParser
import FedgeEdge
import FedgeLearning
import FedgeTensor
import Foundation

/// `fedge dataset`: the built-in trainers' data, for other trainers.
struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Export the data the built-in trainers learn, for trainers of your own (NumPy, PyTorch, …).",
        subcommands: [DatasetExportCommand.self]
    )
}

struct DatasetExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a built-in dataset as an .npz with arrays x (N, features) float32 and y (N,) int64.",
        discussion: """
            digits: the UCI handwritten digits Fedge ships (1,797 samples of 8×8 pixels scaled to [0, 1], 10 classes; \
            CC BY 4.0). synthetic: device I of Synthetic(α, β) from the FedProx paper (60 features, 10 classes), as \
            `fedge-client run --dataset synthetic --shard I/N` generates it. The Python client's example \
            (Examples/python-client) and the NumPy package (Examples/numpy-softmax) read the file from FEDGE_DATA.
            """
    )

    @Argument(help: "digits or synthetic.")
    var name: String

    @Option(help: "The .npz to write.")
    var out: String

    @Option(help: "Synthetic only: the device (from 1).")
    var device: Int = 1

    @Option(help: "Synthetic only: α.")
    var alpha: Double = 1

    @Option(help: "Synthetic only: β (default: --alpha).")
    var beta: Double?

    @Option(help: "Synthetic only: the seed every device of a federation shares.")
    var seed: UInt64 = 1

    @Flag(help: "Replace --out if it exists.")
    var force = false

    func validate() throws {
        guard ["digits", "synthetic"].contains(self.name) else {
            throw ValidationError("Unknown dataset '\(self.name)'; the built-in datasets are: digits, synthetic.")
        }
        guard self.device >= 1 else { throw ValidationError("--device counts from 1.") }
        guard self.force || !FileManager.default.fileExists(atPath: self.out) else {
            throw ValidationError("\(self.out) exists; give --force to replace it.")
        }
    }

    func run() throws {
        let data =
            self.name == "digits"
            ? Digits.all
            : Synthetic.device(self.device - 1, alpha: self.alpha, beta: self.beta ?? self.alpha, seed: self.seed)
        let x = NumpyArchive.Array(
            dtype: .f32,
            shape: [data.count, data.featureCount],
            bytes: data.features.withUnsafeBytes { Array($0) }
        )
        let labels = data.labels.map { Int64($0).littleEndian }
        let y = NumpyArchive.Array(dtype: .i64, shape: [data.count], bytes: labels.withUnsafeBytes { Array($0) })
        try NumpyArchive.write(named: [("x", x), ("y", y)], to: self.out)
        print("wrote \(self.out): x (\(data.count), \(data.featureCount)) float32, y (\(data.count),) int64")
    }
}
