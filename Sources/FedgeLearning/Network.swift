package import FedgeTensor

/// The built-in models: softmax regression, and a multilayer perceptron with one hidden ReLU layer.
package enum Architecture: Sendable, Hashable, CustomStringConvertible {
    case softmax
    case mlp(hidden: Int)

    package var description: String {
        switch self {
        case .softmax: "softmax"
        case .mlp(let hidden): "mlp(\(hidden))"
        }
    }

    /// The architecture a trainer name stands for (`softmax`, or `mlp` with `hidden` units); `nil` for others.
    package init?(trainer: String, hidden: Int = 64) {
        switch trainer {
        case "softmax": self = .softmax
        case "mlp": self = .mlp(hidden: hidden)
        default: return nil
        }
    }
}

/// A model the built-in trainers learn: its parameters as Float32 tensors named like PyTorch's (`linear.weight`
/// [classes, inputs] and `linear.bias` for softmax regression; `fc1.*` and `fc2.*` for the MLP), stored as
/// safetensors.
package struct Network: Sendable, Hashable {
    package var architecture: Architecture
    package var inputs: Int
    package var classes: Int
    /// The tensors, in `names` order.
    package var parameters: [[Float]]

    package var names: [String] {
        switch self.architecture {
        case .softmax: ["linear.weight", "linear.bias"]
        case .mlp: ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
        }
    }

    package var shapes: [[Int]] {
        switch self.architecture {
        case .softmax: [[self.classes, self.inputs], [self.classes]]
        case .mlp(let hidden): [[hidden, self.inputs], [hidden], [self.classes, hidden], [self.classes]]
        }
    }

    /// A new model: softmax regression starts at zero; the MLP's weights are drawn (He initialisation) under `seed`.
    package init(_ architecture: Architecture, inputs: Int, classes: Int, seed: UInt64) {
        self.architecture = architecture
        self.inputs = inputs
        self.classes = classes
        self.parameters = []
        var random = LearningRandom(seed: seed, stream: 0x494E_4954)
        for (name, shape) in zip(self.names, self.shapes) {
            let count = shape.reduce(1, *)
            guard name.hasSuffix("weight"), case .mlp = architecture else {
                self.parameters.append([Float](repeating: 0, count: count))
                continue
            }
            let deviation = (2.0 / Double(shape[1])).squareRoot()
            self.parameters.append((0..<count).map { _ in Float(random.normal(mean: 0, deviation: deviation)) })
        }
    }

    /// Reads a model from its safetensors tensors: the architecture follows from the names, the sizes from the
    /// shapes; anything else is refused with a sentence.
    package init(_ file: SafetensorsFile) throws(LearningError) {
        let descriptors = file.descriptors
        func tensor(_ name: String) throws(LearningError) -> (shape: [Int], values: [Float]) {
            guard let index = file.index(of: name) else {
                throw LearningError("the model has no tensor '\(name)'; it holds \(descriptors.map(\.name))")
            }
            let descriptor = descriptors[index]
            guard descriptor.dtype == .f32 else {
                throw LearningError("tensor '\(name)' is \(descriptor.dtype); the built-in trainers use F32")
            }
            let values = file.withTensorBytes(at: index) { Array($0.bindMemory(to: Float.self)) }
            return (descriptor.shape, values)
        }
        if file.index(of: "linear.weight") != nil {
            let weight = try tensor("linear.weight")
            let bias = try tensor("linear.bias")
            guard weight.shape.count == 2, bias.shape == [weight.shape[0]] else {
                throw LearningError("linear.weight must be [classes, inputs] and linear.bias [classes]")
            }
            self.architecture = .softmax
            self.inputs = weight.shape[1]
            self.classes = weight.shape[0]
            self.parameters = [weight.values, bias.values]
        } else if file.index(of: "fc1.weight") != nil {
            let w1 = try tensor("fc1.weight")
            let b1 = try tensor("fc1.bias")
            let w2 = try tensor("fc2.weight")
            let b2 = try tensor("fc2.bias")
            guard w1.shape.count == 2, b1.shape == [w1.shape[0]], w2.shape.count == 2, w2.shape[1] == w1.shape[0],
                b2.shape == [w2.shape[0]]
            else {
                throw LearningError(
                    "fc1.weight must be [hidden, inputs], fc1.bias [hidden], fc2.weight [classes, hidden], fc2.bias [classes]"
                )
            }
            self.architecture = .mlp(hidden: w1.shape[0])
            self.inputs = w1.shape[1]
            self.classes = w2.shape[0]
            self.parameters = [w1.values, b1.values, w2.values, b2.values]
        } else {
            throw LearningError(
                "the model is not one the built-in trainers know (softmax: linear.weight/bias; mlp: fc1.*, fc2.*); it holds \(descriptors.map(\.name))"
            )
        }
    }

    /// The model as safetensors tensors.
    package var model: InMemoryModel {
        var model = InMemoryModel(metadata: ["fedge.architecture": self.architecture.description])
        for (name, (shape, values)) in zip(self.names, zip(self.shapes, self.parameters)) {
            model.append(name: name, shape: shape, floats: values)
        }
        return model
    }

    /// Checks that `data` fits this model.
    package func check(_ data: Dataset) throws(LearningError) {
        guard data.featureCount == self.inputs, data.classCount == self.classes else {
            throw LearningError(
                "the model takes \(self.inputs) features and \(self.classes) classes; the data has \(data.featureCount) and \(data.classCount)"
            )
        }
    }
}

/// A model or dataset the built-in trainers cannot use.
package struct LearningError: Error, Sendable, Hashable, CustomStringConvertible {
    package var description: String

    package init(_ description: String) { self.description = description }
}
