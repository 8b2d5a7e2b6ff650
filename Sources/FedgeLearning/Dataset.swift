/// Labelled samples with a fixed number of features, row-major, as the trainers read them.
package struct Dataset: Sendable, Hashable {
    /// `count × featureCount` values.
    package var features: [Float]
    package var labels: [Int32]
    package var featureCount: Int
    package var classCount: Int

    package init(features: [Float], labels: [Int32], featureCount: Int, classCount: Int) {
        precondition(features.count == labels.count * featureCount, "one row of features per label")
        self.features = features
        self.labels = labels
        self.featureCount = featureCount
        self.classCount = classCount
    }

    package var count: Int { self.labels.count }

    /// The samples at `indices`, in that order.
    package func subset(_ indices: some Collection<Int>) -> Dataset {
        var features: [Float] = []
        features.reserveCapacity(indices.count * self.featureCount)
        var labels: [Int32] = []
        labels.reserveCapacity(indices.count)
        for i in indices {
            features.append(contentsOf: self.features[(i * self.featureCount)..<((i + 1) * self.featureCount)])
            labels.append(self.labels[i])
        }
        return Dataset(features: features, labels: labels, featureCount: self.featureCount, classCount: self.classCount)
    }

    /// How many samples of each class.
    package var classCounts: [Int] {
        var counts = [Int](repeating: 0, count: self.classCount)
        for label in self.labels { counts[Int(label)] += 1 }
        return counts
    }
}
