import Foundation

/// What an operator asks for when creating a session; every field may be left out for its default.
package struct SessionConfigDTO: Sendable, Hashable, Codable {
    /// fedavg, fedavgm, fedadam, fedyogi, fedadagrad, fedmedian, fedtrimmedavg, krum, multikrum. Default fedavg.
    package var aggregator: String?
    package var aggregatorParams: [String: Double]?
    /// Default 5.
    package var rounds: Int?
    /// Seconds; default 180.
    package var roundTimeout: Double?
    /// Close a round after this many updates; default (0) waits for every selected client.
    package var bufferSize: Int?
    /// The fewest updates for a round to count; default 1.
    package var clientsRequired: Int?
    /// How many clients to ask each round; default (0) every active client.
    package var requestedClients: Int?
    /// Run a validation round on each new model; default true.
    package var validate: Bool?
    /// The model to start from; default the active model.
    package var modelId: String?
    /// Passed to every trainer (for example epochs, learning_rate, mu).
    package var clientSettings: [String: JSONValue]?
    /// The most examples one update may claim; larger claims are refused. Default 1e7.
    package var maxNumExamples: Double?
    /// The compute package clients without a trainer of their own run (an id or a unique prefix); default the
    /// active package, if any.
    package var packageId: String?

    package init(
        aggregator: String? = nil,
        aggregatorParams: [String: Double]? = nil,
        rounds: Int? = nil,
        roundTimeout: Double? = nil,
        bufferSize: Int? = nil,
        clientsRequired: Int? = nil,
        requestedClients: Int? = nil,
        validate: Bool? = nil,
        modelId: String? = nil,
        clientSettings: [String: JSONValue]? = nil,
        maxNumExamples: Double? = nil,
        packageId: String? = nil
    ) {
        self.maxNumExamples = maxNumExamples
        self.packageId = packageId
        self.aggregator = aggregator
        self.aggregatorParams = aggregatorParams
        self.rounds = rounds
        self.roundTimeout = roundTimeout
        self.bufferSize = bufferSize
        self.clientsRequired = clientsRequired
        self.requestedClients = requestedClients
        self.validate = validate
        self.modelId = modelId
        self.clientSettings = clientSettings
    }
}
