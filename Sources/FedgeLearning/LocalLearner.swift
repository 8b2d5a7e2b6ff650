import FedgeCore
import FedgeTensor
package import Foundation

/// The datasets the built-in trainers learn from.
package enum DatasetName: String, Sendable, Hashable, CaseIterable {
    /// UCI handwritten digits, 8×8, 10 classes, split across clients by Dirichlet(α) over labels.
    case digits
    /// Synthetic(α, β) of the FedProx paper: each client is one device with its own data.
    case synthetic
}

/// Which data a client learns from and with which model.
package struct LearnerConfiguration: Sendable, Hashable {
    package var dataset: DatasetName
    package var architecture: Architecture
    /// This client's shard, 0-based, of `shards`.
    package var shard: Int
    package var shards: Int
    /// Digits: the Dirichlet concentration of the label split. Synthetic: α (how much devices' models differ).
    package var alpha: Double
    /// Synthetic only: β (how much devices' inputs differ); `alpha` when `nil`.
    package var beta: Double?
    package var seed: UInt64
    /// The part of the shard kept aside to validate on.
    package var testFraction: Double

    package init(
        dataset: DatasetName = .digits,
        architecture: Architecture = .mlp(hidden: 64),
        shard: Int = 0,
        shards: Int = 1,
        alpha: Double = 0.5,
        beta: Double? = nil,
        seed: UInt64 = 1,
        testFraction: Double = 0.2
    ) {
        self.dataset = dataset
        self.architecture = architecture
        self.shard = shard
        self.shards = shards
        self.alpha = alpha
        self.beta = beta
        self.seed = seed
        self.testFraction = testFraction
    }

    /// Reads `I/N` (1-based, as people count: `--shard 3/8` is the third of eight).
    package static func parseShard(_ text: String) throws(LearningError) -> (index: Int, count: Int) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1, count <= 100_000,
            (1...count).contains(index)
        else { throw LearningError("the shard '\(text)' is not I/N with 1 ≤ I ≤ N (like 3/8)") }
        return (index - 1, count)
    }

    /// The model's input and class counts for this dataset.
    package var shape: (inputs: Int, classes: Int) {
        switch self.dataset {
        case .digits: (Digits.featureCount, Digits.classCount)
        case .synthetic: (Synthetic.featureCount, Synthetic.classCount)
        }
    }
}

/// One client's learning: its shard of the data (a training part and a local test part), and training and
/// validation of models stored as safetensors. Deterministic: the same configuration, model and round give the
/// same update on every machine.
package struct LocalLearner: Sendable {
    package let configuration: LearnerConfiguration
    package let train: Dataset
    package let test: Dataset

    package init(_ configuration: LearnerConfiguration) throws(LearningError) {
        guard configuration.shards >= 1, (0..<configuration.shards).contains(configuration.shard) else {
            throw LearningError("shard \(configuration.shard + 1) of \(configuration.shards) does not exist")
        }
        guard configuration.alpha > 0, configuration.alpha.isFinite, (configuration.beta ?? 1) >= 0 else {
            throw LearningError("alpha must be a positive number (and beta not negative)")
        }
        let mine: Dataset
        switch configuration.dataset {
        case .digits:
            let shards = Partition.dirichlet(
                Digits.all,
                shards: configuration.shards,
                alpha: configuration.alpha,
                seed: configuration.seed
            )
            mine = Digits.all.subset(shards[configuration.shard])
        case .synthetic:
            mine = Synthetic.device(
                configuration.shard,
                alpha: configuration.alpha,
                beta: configuration.beta ?? configuration.alpha,
                seed: configuration.seed
            )
        }
        let split = Partition.trainTest(
            Array(0..<mine.count),
            testFraction: configuration.testFraction,
            seed: configuration.seed &+ UInt64(configuration.shard)
        )
        self.configuration = configuration
        self.train = mine.subset(split.train)
        self.test = mine.subset(split.test)
    }

    /// A first global model for this configuration (the seed a session starts from).
    package static func initialModel(_ configuration: LearnerConfiguration) -> Network {
        let shape = configuration.shape
        return Network(
            configuration.architecture,
            inputs: shape.inputs,
            classes: shape.classes,
            seed: configuration.seed
        )
    }

    /// Trains the model at `model` on this shard and writes the update to `output`. Settings (the session's client
    /// settings): `epochs`, `learning_rate` (or `lr`), `batch_size`, `mu`.
    package func train(
        model: URL,
        output: URL,
        settingsJSON: String,
        round: Int
    ) throws -> (numExamples: Double, metrics: [String: Double]) {
        var network = try Network(SafetensorsFile(path: model.path))
        try network.check(self.train)
        guard self.train.count > 0 else { throw LearningError("this client's shard has no training samples") }
        let settings = try Self.settings(settingsJSON)
        var random = LearningRandom(
            seed: self.configuration.seed,
            stream: UInt64(self.configuration.shard) << 32 | UInt64(truncatingIfNeeded: round)
        )
        let seen = network.train(on: self.train, settings: settings, random: &random)
        try SafetensorsWriter.write(network.model, to: output.path, durability: .atomic)  // the task's output, uploaded
        return (Double(self.train.count), ["loss": seen.loss, "accuracy": seen.accuracy])
    }

    /// Measures the model at `model` on this shard's local test part.
    package func validate(model: URL) throws -> (numExamples: Double, metrics: [String: Double]) {
        let network = try Network(SafetensorsFile(path: model.path))
        try network.check(self.test)
        let evaluation = network.evaluate(self.test)
        return (Double(self.test.count), ["accuracy": evaluation.accuracy, "loss": evaluation.loss])
    }

    /// The SGD settings in a session's client settings JSON; missing keys keep their defaults.
    package static func settings(_ json: String) throws(LearningError) -> SGDSettings {
        var settings = SGDSettings()
        guard !json.trimmingCharacters(in: .whitespaces).isEmpty,
            let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        else { return settings }
        func number(_ keys: String...) -> Double? {
            for key in keys { if let value = object[key] as? NSNumber { return value.doubleValue } }
            return nil
        }
        if let epochs = number("epochs", "local_epochs") { settings.epochs = Int(epochs) }
        if let rate = number("learning_rate", "lr") { settings.learningRate = rate }
        if let batch = number("batch_size") { settings.batchSize = Int(batch) }
        if let mu = number("mu", "proximal_mu") { settings.mu = mu }
        guard (0...1000).contains(settings.epochs), settings.learningRate > 0, settings.learningRate.isFinite,
            (1...100_000).contains(settings.batchSize), settings.mu >= 0, settings.mu.isFinite
        else {
            throw LearningError(
                "client settings out of range: epochs 0…1000, learning_rate > 0, batch_size 1…100000, mu ≥ 0"
            )
        }
        return settings
    }
}
