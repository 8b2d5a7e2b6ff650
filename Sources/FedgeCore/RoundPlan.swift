package import Foundation

/// What a combiner is asked to do for one round: which model, how many clients, until when, and how to reduce.
package struct RoundPlan: Sendable, Hashable, Codable {
    package var session: SessionID
    package var round: Int
    package var kind: TaskKind
    package var model: ModelID
    package var modelSize: UInt64
    /// How many clients to select; 0 selects every eligible client.
    package var quota: Int
    package var deadline: Date
    /// Close the round once this many updates arrived; 0 waits for every selected client.
    package var bufferSize: Int
    /// The fewest updates for the round to count.
    package var minUpdates: Int
    package var clientSettingsJSON: String
    package var aggregator: AggregatorName
    package var aggregatorParameters: [String: Double]
    /// The most examples one update may claim; a larger weight is refused (a self-reported number is not trusted).
    package var maxNumExamples: Double = SessionConfig.defaultMaxNumExamples
    /// The compute package the session runs (its archive's SHA-256), for clients without a trainer of their own.
    package var package: ModelID? = nil
    package var packageSize: UInt64 = 0

    package init(
        session: SessionID,
        round: Int,
        kind: TaskKind = .train,
        model: ModelID,
        modelSize: UInt64,
        quota: Int = 0,
        deadline: Date,
        bufferSize: Int = 0,
        minUpdates: Int = 1,
        clientSettingsJSON: String = "{}",
        aggregator: AggregatorName = .fedavg,
        aggregatorParameters: [String: Double] = [:]
    ) {
        self.session = session
        self.round = round
        self.kind = kind
        self.model = model
        self.modelSize = modelSize
        self.quota = quota
        self.deadline = deadline
        self.bufferSize = bufferSize
        self.minUpdates = minUpdates
        self.clientSettingsJSON = clientSettingsJSON
        self.aggregator = aggregator
        self.aggregatorParameters = aggregatorParameters
    }

    /// The aggregator with its parameters checked.
    package func aggregatorConfig() throws(AggregatorConfigError) -> AggregatorConfig {
        try AggregatorConfig(name: self.aggregator.rawValue, parameters: self.aggregatorParameters)
    }
}
