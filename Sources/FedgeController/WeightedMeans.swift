/// Means of named metrics over clients, each client weighted by its examples (1 when it reported none): the one
/// rule for validation means, training means and a model's metrics.
struct WeightedMeans {
    private var sums: [String: Double] = [:]
    private var weights: [String: Double] = [:]

    /// Adds one client's metrics; non-finite values and `num_examples` itself are left out.
    mutating func add(_ metrics: [String: Double], examples: Double) {
        let weight = examples > 0 ? examples : 1
        for (name, value) in metrics where value.isFinite && name != "num_examples" {
            self.sums[name, default: 0] += value * weight
            self.weights[name, default: 0] += weight
        }
    }

    /// The means, by name.
    var means: [String: Double] {
        self.sums.reduce(into: [:]) { $0[$1.key] = $1.value / self.weights[$1.key]! }
    }
}
