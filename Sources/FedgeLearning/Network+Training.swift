/// How a model is measured on some data.
package struct Evaluation: Sendable, Hashable {
    package var accuracy: Double
    /// The mean cross-entropy.
    package var loss: Double
    package var count: Int
}

/// Minibatch SGD with the FedProx proximal term: each step moves the weights by
/// `-learningRate * (∇loss(batch) + mu * (w - w_global))`. `mu = 0` is plain FedAvg local training.
package struct SGDSettings: Sendable, Hashable {
    package var epochs: Int
    package var learningRate: Double
    package var batchSize: Int
    package var mu: Double

    package init(epochs: Int = 3, learningRate: Double = 0.3, batchSize: Int = 32, mu: Double = 0) {
        self.epochs = epochs
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.mu = mu
    }
}

extension Network {
    /// The mean cross-entropy over `data` and its gradient with respect to every parameter.
    package func lossAndGradients(_ data: Dataset) -> (loss: Double, gradients: [[Float]], correct: Int) {
        var gradients = self.parameters.map { [Float](repeating: 0, count: $0.count) }
        var loss = 0.0
        var correct = 0
        self.forEach(data, gradients: &gradients) { sampleLoss, right in
            loss += sampleLoss
            if right { correct += 1 }
        }
        let scale = 1 / Float(max(data.count, 1))
        for t in gradients.indices {
            gradients[t].withUnsafeMutableBufferPointer { g in
                for i in g.indices { g[i] *= scale }
            }
        }
        return (loss / Double(max(data.count, 1)), gradients, correct)
    }

    /// Accuracy and mean loss on `data`.
    package func evaluate(_ data: Dataset) -> Evaluation {
        var loss = 0.0
        var correct = 0
        var none: [[Float]] = []
        self.forEach(data, gradients: &none) { sampleLoss, right in
            loss += sampleLoss
            if right { correct += 1 }
        }
        let count = max(data.count, 1)
        return Evaluation(accuracy: Double(correct) / Double(count), loss: loss / Double(count), count: data.count)
    }

    /// Trains on `data` in place; returns the loss and accuracy seen over the last epoch's batches.
    @discardableResult
    package mutating func train(
        on data: Dataset,
        settings: SGDSettings,
        random: inout LearningRandom
    ) -> Evaluation {
        let global = self.parameters
        var order = Array(0..<data.count)
        var seen = Evaluation(accuracy: 0, loss: 0, count: 0)
        let rate = Float(settings.learningRate)
        let mu = Float(settings.mu)
        for _ in 0..<max(settings.epochs, 0) {
            order.shuffle(using: &random)
            var loss = 0.0
            var correct = 0
            for start in stride(from: 0, to: order.count, by: max(settings.batchSize, 1)) {
                let batch = data.subset(order[start..<min(start + settings.batchSize, order.count)])
                let step = self.lossAndGradients(batch)
                loss += step.loss * Double(batch.count)
                correct += step.correct
                for t in self.parameters.indices {
                    let gradient = step.gradients[t]
                    let anchor = global[t]
                    self.parameters[t].withUnsafeMutableBufferPointer { w in
                        gradient.withUnsafeBufferPointer { g in
                            anchor.withUnsafeBufferPointer { w0 in
                                for i in w.indices { w[i] -= rate * (g[i] + mu * (w[i] - w0[i])) }
                            }
                        }
                    }
                }
            }
            let count = max(data.count, 1)
            seen = Evaluation(accuracy: Double(correct) / Double(count), loss: loss / Double(count), count: data.count)
        }
        return seen
    }

    /// Runs every sample forward (and backward into `gradients` unless it is empty), telling `each` the sample's
    /// loss and whether it was classified right.
    private func forEach(_ data: Dataset, gradients: inout [[Float]], _ each: (Double, Bool) -> Void) {
        let inputs = self.inputs
        let classes = self.classes
        let backward = !gradients.isEmpty
        var z = [Float](repeating: 0, count: classes)
        switch self.architecture {
        case .softmax:
            var gW = backward ? gradients[0] : []
            var gb = backward ? gradients[1] : []
            self.parameters[0].withUnsafeBufferPointer { W in
                self.parameters[1].withUnsafeBufferPointer { b in
                    data.features.withUnsafeBufferPointer { X in
                        z.withUnsafeMutableBufferPointer { z in
                            for n in 0..<data.count {
                                let x = UnsafeBufferPointer(rebasing: X[(n * inputs)..<((n + 1) * inputs)])
                                for c in 0..<classes {
                                    var s = b[c]
                                    let row = c * inputs
                                    for j in 0..<inputs { s += W[row + j] * x[j] }
                                    z[c] = s
                                }
                                let label = Int(data.labels[n])
                                let (loss, right) = Self.softmaxInPlace(z, label: label)
                                each(loss, right)
                                guard backward else { continue }
                                z[label] -= 1
                                for c in 0..<classes {
                                    let g = z[c]
                                    gb[c] += g
                                    let row = c * inputs
                                    for j in 0..<inputs { gW[row + j] += g * x[j] }
                                }
                            }
                        }
                    }
                }
            }
            if backward { gradients = [gW, gb] }
        case .mlp(let hidden):
            var g1 = backward ? gradients[0] : []
            var gb1 = backward ? gradients[1] : []
            var g2 = backward ? gradients[2] : []
            var gb2 = backward ? gradients[3] : []
            var a = [Float](repeating: 0, count: hidden)
            var ga = [Float](repeating: 0, count: hidden)
            let p = self.parameters
            p[0].withUnsafeBufferPointer { W1 in
                p[1].withUnsafeBufferPointer { b1 in
                    p[2].withUnsafeBufferPointer { W2 in
                        p[3].withUnsafeBufferPointer { b2 in
                            data.features.withUnsafeBufferPointer { X in
                                for n in 0..<data.count {
                                    let x = UnsafeBufferPointer(rebasing: X[(n * inputs)..<((n + 1) * inputs)])
                                    for h in 0..<hidden {
                                        var s = b1[h]
                                        let row = h * inputs
                                        for j in 0..<inputs { s += W1[row + j] * x[j] }
                                        a[h] = s > 0 ? s : 0
                                    }
                                    for c in 0..<classes {
                                        var s = b2[c]
                                        let row = c * hidden
                                        for h in 0..<hidden { s += W2[row + h] * a[h] }
                                        z[c] = s
                                    }
                                    let label = Int(data.labels[n])
                                    let (loss, right) = z.withUnsafeMutableBufferPointer {
                                        Self.softmaxInPlace($0, label: label)
                                    }
                                    each(loss, right)
                                    guard backward else { continue }
                                    z[label] -= 1
                                    for h in 0..<hidden { ga[h] = 0 }
                                    for c in 0..<classes {
                                        let g = z[c]
                                        gb2[c] += g
                                        let row = c * hidden
                                        for h in 0..<hidden {
                                            g2[row + h] += g * a[h]
                                            ga[h] += g * W2[row + h]
                                        }
                                    }
                                    for h in 0..<hidden where a[h] > 0 {
                                        let g = ga[h]
                                        gb1[h] += g
                                        let row = h * inputs
                                        for j in 0..<inputs { g1[row + j] += g * x[j] }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            if backward { gradients = [g1, gb1, g2, gb2] }
        }
    }

    /// Turns logits into probabilities in place; returns the sample's cross-entropy and whether the arg max is
    /// the label.
    private static func softmaxInPlace(_ z: UnsafeMutableBufferPointer<Float>, label: Int) -> (Double, Bool) {
        var best = 0
        for c in z.indices where z[c] > z[best] { best = c }
        let top = z[best]
        var total: Float = 0
        for c in z.indices {
            z[c] = Float(_exp(Double(z[c] - top)))
            total += z[c]
        }
        for c in z.indices { z[c] /= total }
        return (-_log(max(Double(z[label]), 1e-12)), best == label)
    }
}
