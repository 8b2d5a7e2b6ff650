import FedgeLearning
import Foundation
import Testing

@Suite("Datasets and splits")
struct DataTests {
    @Test("The digits: 1,797 samples of 64 pixels in [0, 1], every class present")
    func digits() {
        let digits = Digits.all
        #expect(digits.count == 1797 && digits.featureCount == 64)
        #expect(digits.features.allSatisfy { (0...1).contains($0) })
        #expect(digits.classCounts.allSatisfy { $0 > 150 })
    }

    @Test("A Dirichlet split puts every sample in exactly one shard, the same under the same seed")
    func dirichletCoversEverySampleOnce() {
        let shards = Partition.dirichlet(Digits.all, shards: 8, alpha: 0.5, seed: 1)
        let all = shards.flatMap { $0 }
        #expect(all.count == Digits.all.count && Set(all).count == all.count)
        #expect(Partition.dirichlet(Digits.all, shards: 8, alpha: 0.5, seed: 1) == shards)
        #expect(Partition.dirichlet(Digits.all, shards: 8, alpha: 0.5, seed: 2) != shards)
    }

    @Test("Smaller alpha, more skewed shards: fewer classes make up most of each shard")
    func alphaDialsHeterogeneity() {
        func dominantShare(_ alpha: Double) -> Double {
            let shards = Partition.dirichlet(Digits.all, shards: 10, alpha: alpha, seed: 3)
            let shares = shards.filter { !$0.isEmpty }.map { shard in
                Double(Digits.all.subset(shard).classCounts.max()!) / Double(shard.count)
            }
            return shares.reduce(0, +) / Double(shares.count)
        }
        let skewed = dominantShare(0.1)
        let even = dominantShare(100)
        #expect(skewed > 0.5 && even < 0.2, "α=0.1: \(skewed), α=100: \(even)")
    }

    @Test("Dirichlet draws are proportions; gamma draws have the right mean")
    func dirichletAndGamma() {
        var random = LearningRandom(seed: 1)
        for alpha in [0.05, 0.5, 5] {
            let p = random.dirichlet(alpha: alpha, count: 7)
            #expect(p.allSatisfy { $0 >= 0 } && abs(p.reduce(0, +) - 1) < 1e-9)
        }
        for shape in [0.3, 1, 4] {
            let mean = (0..<20_000).map { _ in random.gamma(shape: shape) }.reduce(0, +) / 20_000
            #expect(abs(mean - shape) < 0.05 * max(shape, 1), "gamma(\(shape)) mean \(mean)")
        }
    }

    @Test("Synthetic(α, β): deterministic per device and seed, 60 features, devices differ more as α and β grow")
    func synthetic() {
        let a = Synthetic.device(0, alpha: 1, beta: 1, seed: 7)
        #expect(a == Synthetic.device(0, alpha: 1, beta: 1, seed: 7))
        #expect(a.featureCount == 60 && a.count >= 50 && a.count <= 2000)
        #expect(a.labels.allSatisfy { (0..<10).contains($0) })
        // How far apart the devices' input means are, over a few devices.
        func spread(_ value: Double) -> Double {
            let means = (0..<6).map { device in
                let data = Synthetic.device(device, alpha: value, beta: value, seed: 7)
                return data.features.reduce(0) { $0 + Double($1) } / Double(data.features.count)
            }
            let mean = means.reduce(0, +) / Double(means.count)
            return means.map { ($0 - mean) * ($0 - mean) }.reduce(0, +)
        }
        #expect(spread(0) < spread(1))
    }

    @Test("A shard parses as I/N counted from 1; anything else is refused with a sentence")
    func shards() throws {
        let parsed = try LearnerConfiguration.parseShard("3/8")
        #expect(parsed.index == 2 && parsed.count == 8)
        for bad in ["0/8", "9/8", "3", "a/b", "3/0"] {
            #expect(throws: LearningError.self) { try LearnerConfiguration.parseShard(bad) }
        }
    }

    @Test("A client's learner: train and local test parts from its shard, disjoint, the same on every run")
    func learner() throws {
        let configuration = LearnerConfiguration(shard: 2, shards: 8, alpha: 0.5, seed: 1)
        let learner = try LocalLearner(configuration)
        let again = try LocalLearner(configuration)
        #expect(learner.train == again.train && learner.test == again.test)
        #expect(learner.test.count > 0 && learner.train.count > learner.test.count)
        #expect(throws: LearningError.self) {
            try LocalLearner(LearnerConfiguration(shard: 8, shards: 8))
        }
    }
}
