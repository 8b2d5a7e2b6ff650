package import FedgeCore
package import FedgeTensor

/// The first stage of aggregation, run where updates arrive (a combiner, or `fedge aggregate`).
///
/// For the averaging aggregators each update is folded into a running sum as it is added; for the robust ones it
/// is validated and held memory-mapped until `finish()`. Either way `finish()` yields the partial aggregate to
/// send up.
package struct UpdateReducer: Sendable {
    package let config: AggregatorConfig
    package let layout: ModelLayout
    private var running: PartialAggregate
    private var held: [HeldUpdate] = []

    package init(config: AggregatorConfig, layout: ModelLayout) {
        self.config = config
        self.layout = layout
        // Robust aggregators never touch the running sum, so it stays unallocated for them.
        self.running = PartialAggregate(layout: config.name.isRobust ? ModelLayout(tensors: []) : layout)
    }

    /// The number of updates accepted so far.
    package var count: Int { self.config.name.isRobust ? self.held.count : self.running.contributions.count }

    /// Validates `update` against the global model and takes it in.
    ///
    /// - Throws: `AggregationError` when the update is refused; the reducer is then unchanged.
    package mutating func add(
        _ update: SafetensorsFile,
        weight: Double,
        contribution: Contribution
    ) throws(AggregationError) {
        let mapping = try self.layout.validate(update, weight: weight, label: update.path)
        if self.config.name.isRobust {
            self.held.append(HeldUpdate(file: update, mapping: mapping, weight: weight, contribution: contribution))
        } else {
            self.running.foldValidated(update, mapping: mapping, weight: weight, contribution: contribution)
        }
    }

    /// The partial aggregate of everything added.
    ///
    /// - Throws: `AggregationError.noUpdates` when nothing was added.
    package consuming func finish() throws(AggregationError) -> PartialAggregate {
        if self.config.name.isRobust {
            return try RobustReducer.reduce(self.config, layout: self.layout, updates: self.held)
        }
        guard !self.running.contributions.isEmpty else { throw .noUpdates }
        return self.running
    }
}
