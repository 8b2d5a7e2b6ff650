/// How a client takes its part of a dataset: a Dirichlet(α) label split over N clients (seeded, so every client
/// computes the same split and takes its own shard), then its own shard cut into a training part and a local test
/// part.
package enum Partition {
    /// The indices of shard `shard` (0-based) of `count` under a Dirichlet(`alpha`) split of each class: for every
    /// class, the proportions of its samples that go to each shard are drawn from Dirichlet(α). Small α gives each
    /// shard few classes; large α, all of them evenly. Every sample is in exactly one shard.
    package static func dirichlet(_ data: Dataset, shards count: Int, alpha: Double, seed: UInt64) -> [[Int]] {
        precondition(count >= 1 && alpha > 0)
        var random = LearningRandom(seed: seed, stream: 0x4449_5249)
        var shards = [[Int]](repeating: [], count: count)
        var byClass = [[Int]](repeating: [], count: data.classCount)
        for (i, label) in data.labels.enumerated() { byClass[Int(label)].append(i) }
        for var members in byClass {
            members.shuffle(using: &random)
            let proportions = random.dirichlet(alpha: alpha, count: count)
            var start = 0
            var cumulative = 0.0
            for (shard, p) in proportions.enumerated() {
                cumulative += p
                let end =
                    shard == count - 1 ? members.count : min(members.count, Int(cumulative * Double(members.count)))
                if end > start { shards[shard].append(contentsOf: members[start..<end]) }
                start = max(start, end)
            }
        }
        return shards.map { $0.sorted() }
    }

    /// Splits `indices` into a training part and a test part of about `testFraction` (at least one sample each
    /// when there are two or more), shuffled under `seed`.
    package static func trainTest(_ indices: [Int], testFraction: Double, seed: UInt64) -> (train: [Int], test: [Int]) {
        var random = LearningRandom(seed: seed, stream: 0x5445_5354)
        var shuffled = indices
        shuffled.shuffle(using: &random)
        guard shuffled.count >= 2 else { return (shuffled, []) }
        let tests = min(max(1, Int((Double(shuffled.count) * testFraction).rounded())), shuffled.count - 1)
        return (Array(shuffled[tests...]), Array(shuffled[..<tests]))
    }
}
