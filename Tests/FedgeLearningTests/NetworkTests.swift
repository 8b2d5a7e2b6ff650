import FedgeLearning
import FedgeTensor
import FedgeTestSupport
import Foundation
import Testing

@Suite("Built-in models")
struct NetworkTests {
    /// A few samples of random data with `inputs` features.
    static func data(count: Int, inputs: Int, classes: Int, seed: UInt64) -> Dataset {
        var random = LearningRandom(seed: seed)
        return Dataset(
            features: (0..<(count * inputs)).map { _ in Float(random.normal()) },
            labels: (0..<count).map { _ in Int32(random.next() % UInt64(classes)) },
            featureCount: inputs,
            classCount: classes
        )
    }

    @Test(
        "Gradients match central differences of the loss, for softmax regression and the MLP",
        arguments: [Architecture.softmax, .mlp(hidden: 6)]
    )
    func gradientsAreRight(_ architecture: Architecture) {
        let data = Self.data(count: 7, inputs: 5, classes: 4, seed: 3)
        var network = Network(architecture, inputs: 5, classes: 4, seed: 9)
        // Softmax regression starts at zero, where every class ties: move it somewhere less special.
        var random = LearningRandom(seed: 11)
        for t in network.parameters.indices {
            for i in network.parameters[t].indices { network.parameters[t][i] += Float(random.normal() * 0.3) }
        }
        let analytic = network.lossAndGradients(data).gradients
        // A ReLU's kink between w - h and w + h spoils the difference quotient there: allow one such element.
        var mismatches: [String] = []
        var checked = 0
        for t in network.parameters.indices {
            for i in network.parameters[t].indices {
                let h: Float = 1e-3
                var plus = network
                plus.parameters[t][i] += h
                var minus = network
                minus.parameters[t][i] -= h
                let numeric = (plus.lossAndGradients(data).loss - minus.lossAndGradients(data).loss) / Double(2 * h)
                checked += 1
                if abs(numeric - Double(analytic[t][i])) > 2e-3 {
                    mismatches.append("tensor \(t)[\(i)]: numeric \(numeric), analytic \(analytic[t][i])")
                }
            }
        }
        #expect(checked == network.parameters.map(\.count).reduce(0, +) && checked >= 24)
        #expect(mismatches.count <= (architecture == .softmax ? 0 : 1), "\(mismatches)")
    }

    @Test("A model round-trips through safetensors; a model the trainers do not know is refused with a sentence")
    func safetensorsRoundTrip() async throws {
        try await withTemporaryDirectory { dir in
            let network = Network(.mlp(hidden: 8), inputs: 64, classes: 10, seed: 1)
            let path = dir + "/m.safetensors"
            try SafetensorsWriter.write(network.model, to: path)
            #expect(try Network(SafetensorsFile(path: path)) == network)
            var other = InMemoryModel()
            other.append(name: "conv.weight", shape: [2], floats: [1, 2])
            try SafetensorsWriter.write(other, to: path)
            #expect {
                try Network(SafetensorsFile(path: path))
            } throws: { error in
                "\(error)".contains("not one the built-in trainers know")
            }
        }
    }

    @Test("Softmax regression and the MLP learn the digits: above 0.9 on held-out samples after a few epochs")
    func learnsDigits() {
        let split = Partition.trainTest(Array(0..<Digits.all.count), testFraction: 0.25, seed: 5)
        let train = Digits.all.subset(split.train)
        let test = Digits.all.subset(split.test)
        for architecture in [Architecture.softmax, .mlp(hidden: 32)] {
            var network = Network(architecture, inputs: 64, classes: 10, seed: 2)
            var random = LearningRandom(seed: 4)
            let before = network.evaluate(test)
            network.train(on: train, settings: SGDSettings(epochs: 5, learningRate: 0.2), random: &random)
            let after = network.evaluate(test)
            #expect(after.accuracy > 0.9 && after.loss < before.loss, "\(architecture): \(before) → \(after)")
        }
    }

    @Test("The proximal term keeps the weights near the global model")
    func proximalTermPullsTowardsTheGlobalModel() {
        let data = Digits.all.subset(0..<200)
        let start = Network(.softmax, inputs: 64, classes: 10, seed: 1)
        func distance(mu: Double) -> Float {
            var network = start
            var random = LearningRandom(seed: 8)
            network.train(on: data, settings: SGDSettings(epochs: 5, learningRate: 0.1, mu: mu), random: &random)
            var total: Float = 0
            for (moved, origin) in zip(network.parameters, start.parameters) {
                for (a, b) in zip(moved, origin) { total += (a - b) * (a - b) }
            }
            return total
        }
        #expect(distance(mu: 1) < distance(mu: 0) * 0.9)
    }
}
