/// Synthetic(α, β) of Li et al., "Federated Optimization in Heterogeneous Networks" (FedProx, MLSys 2020): each
/// device k draws u_k ~ N(0, α) and B_k ~ N(0, β); its true model W_k ∈ R^{10×60}, b_k ∈ R^10 from N(u_k, 1); the
/// mean of its inputs v_k ∈ R^60 elementwise from N(B_k, 1); inputs x ~ N(v_k, Σ) with Σ diagonal, Σ_jj = j^-1.2;
/// labels y = argmax(softmax(W_k x + b_k)). α sets how much the devices' models differ, β how much their inputs do;
/// Synthetic(0, 0) is nearly IID, Synthetic(1, 1) strongly heterogeneous. A device has lognormal(4, 2) + 50
/// samples, capped here at 2,000.
package enum Synthetic {
    package static let featureCount = 60
    package static let classCount = 10

    /// Device `device`'s data under `seed` (the same on every machine).
    package static func device(_ device: Int, alpha: Double, beta: Double, seed: UInt64) -> Dataset {
        var random = LearningRandom(seed: seed, stream: 0x5359_4E54 &+ UInt64(device))
        let u = random.normal(mean: 0, deviation: alpha.squareRoot())
        let b = random.normal(mean: 0, deviation: beta.squareRoot())
        let dimension = Self.featureCount
        let weights = (0..<(Self.classCount * dimension)).map { _ in random.normal(mean: u, deviation: 1) }
        let biases = (0..<Self.classCount).map { _ in random.normal(mean: u, deviation: 1) }
        let means = (0..<dimension).map { _ in random.normal(mean: b, deviation: 1) }
        let deviations = (0..<dimension).map { j in _pow(Double(j + 1), -1.2).squareRoot() }
        let count = min(Int(_exp(random.normal(mean: 4, deviation: 2))) + 50, 2_000)
        var features = [Float](repeating: 0, count: count * dimension)
        var labels = [Int32](repeating: 0, count: count)
        var x = [Double](repeating: 0, count: dimension)
        for sample in 0..<count {
            for j in 0..<dimension {
                x[j] = random.normal(mean: means[j], deviation: deviations[j])
                features[sample * dimension + j] = Float(x[j])
            }
            var best = 0
            var bestScore = -Double.infinity
            for c in 0..<Self.classCount {
                var score = biases[c]
                for j in 0..<dimension { score += weights[c * dimension + j] * x[j] }
                if score > bestScore {
                    bestScore = score
                    best = c
                }
            }
            labels[sample] = Int32(best)
        }
        return Dataset(features: features, labels: labels, featureCount: dimension, classCount: Self.classCount)
    }
}
