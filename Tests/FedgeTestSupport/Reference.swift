/// Float64 scalar reference implementations of every aggregator, written from the formulas in the issue and the
/// papers, independent of Fedge's kernels. Vectors are the model's float tensors concatenated.
package enum Reference {
    /// Σ wᵢ·uᵢ / Σ wᵢ.
    package static func weightedMean(_ updates: [[Double]], weights: [Double]) -> [Double] {
        let total = weights.reduce(0, +)
        return (0..<updates[0].count).map { i in
            zip(updates, weights).reduce(0) { $0 + $1.1 * $1.0[i] } / total
        }
    }

    /// FedAvgM: g = x − avg, v ← βv + g, x ← x − ηv.
    package static func fedavgm(
        x: [Double],
        average: [Double],
        velocity: inout [Double],
        eta: Double,
        beta: Double
    ) -> [Double] {
        (0..<x.count).map { i in
            velocity[i] = beta * velocity[i] + (x[i] - average[i])
            return x[i] - eta * velocity[i]
        }
    }

    package enum Adaptive { case adam, yogi, adagrad }

    /// FedAdam / FedYogi / FedAdagrad (Reddi et al.), with t the 1-based step.
    package static func fedopt(
        _ kind: Adaptive,
        x: [Double],
        average: [Double],
        m: inout [Double],
        v: inout [Double],
        t: Int,
        eta: Double,
        beta1: Double,
        beta2: Double,
        tau: Double
    ) -> [Double] {
        let etaT: Double
        if kind == .adam {
            etaT = eta * (1 - pow(beta2, Double(t))).squareRoot() / (1 - pow(beta1, Double(t)))
        } else {
            etaT = eta
        }
        return (0..<x.count).map { i in
            let delta = average[i] - x[i]
            m[i] = beta1 * m[i] + (1 - beta1) * delta
            let d2 = delta * delta
            switch kind {
            case .adam: v[i] = beta2 * v[i] + (1 - beta2) * d2
            case .yogi:
                let s: Double = v[i] - d2 > 0 ? 1 : (v[i] - d2 < 0 ? -1 : 0)
                v[i] = v[i] - (1 - beta2) * d2 * s
            case .adagrad: v[i] = v[i] + d2
            }
            return x[i] + etaT * m[i] / (v[i].squareRoot() + tau)
        }
    }

    /// Coordinate-wise median (mean of the two middle values for an even count).
    package static func median(_ updates: [[Double]]) -> [Double] {
        (0..<updates[0].count).map { i in
            let column = updates.map { $0[i] }.sorted()
            let n = column.count
            return n % 2 == 1 ? column[n / 2] : (column[n / 2 - 1] + column[n / 2]) / 2
        }
    }

    /// Coordinate-wise trimmed mean, dropping ⌊β·n⌋ values at each end.
    package static func trimmedMean(_ updates: [[Double]], beta: Double) -> [Double] {
        let cut = Int((beta * Double(updates.count)).rounded(.down))
        return (0..<updates[0].count).map { i in
            let kept = updates.map { $0[i] }.sorted().dropFirst(cut).dropLast(cut)
            return kept.reduce(0, +) / Double(kept.count)
        }
    }

    /// Krum scores: the sum of squared distances to the n − f − 2 nearest others (at least 1).
    package static func krumScores(_ updates: [[Double]], f: Int) -> [Double] {
        let n = updates.count
        let k = min(max(n - f - 2, 1), max(n - 1, 0))
        func distance(_ a: Int, _ b: Int) -> Double {
            var total = 0.0
            for (p, q) in zip(updates[a], updates[b]) { total += (p - q) * (p - q) }
            return total
        }
        return (0..<n).map { a in
            let distances: [Double] = (0..<n).filter { $0 != a }.map { distance(a, $0) }
            return distances.sorted().prefix(k).reduce(0, +)
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
