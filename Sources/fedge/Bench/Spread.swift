/// The middle and the tail of a set of figures (nearest-rank percentiles), as the benchmarks report them.
struct Spread: Sendable, Codable {
    var count: Int
    var min: Double
    var median: Double
    var p90: Double
    var p99: Double
    var max: Double

    init(_ values: [Double]) {
        let sorted = values.sorted()
        self.count = sorted.count
        self.min = sorted.first ?? 0
        self.median = Self.nearestRank(0.5, of: sorted)
        self.p90 = Self.nearestRank(0.9, of: sorted)
        self.p99 = Self.nearestRank(0.99, of: sorted)
        self.max = sorted.last ?? 0
    }

    /// The value below which `fraction` of `sorted` falls (nearest rank), or 0 when there is none.
    static func nearestRank(_ fraction: Double, of sorted: [Double]) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((fraction * Double(sorted.count)).rounded(.up)) - 1
        return sorted[Swift.min(Swift.max(rank, 0), sorted.count - 1)]
    }
}
