/// A training session's settings, with the defaults an operator gets by leaving a field out.
///
/// ```swift
/// let config = SessionConfig(aggregator: .fedadam, rounds: 10)
/// try config.check()
/// ```
package struct SessionConfig: Sendable, Hashable, Codable {
    package var aggregator: AggregatorName = .fedavg
    package var aggregatorParams: [String: Double] = [:]
    package var rounds: Int = 5
    /// Seconds a round may take.
    package var roundTimeout: Double = 180
    /// Close a round after this many updates; 0 waits for every selected client.
    package var bufferSize: Int = 0
    /// The fewest updates for a round to count.
    package var clientsRequired: Int = 1
    /// Clients asked each round, split among combiners by their active clients; 0 asks every active client.
    package var requestedClients: Int = 0
    /// Run a validation round on each new model.
    package var validate: Bool = true
    /// The model to start from; `nil` takes the active model when the session is created.
    package var model: ModelID?
    /// A JSON object passed to every trainer.
    package var clientSettingsJSON: String = "{}"
    /// The most examples one update may claim (its weight in the average); `nil` takes the default, 1e7.
    /// A client's self-reported count is not trusted beyond it: one huge claim would otherwise own the model.
    package var maxNumExamples: Double?
    /// The compute package clients without a trainer of their own run (its archive's SHA-256); `nil` when the
    /// session was created takes the active package, if there is one.
    package var package: ModelID?
    /// The package's size in bytes, a cap on its download.
    package var packageSize: UInt64?

    /// The ceiling on `num_examples` when a session leaves it out.
    package static let defaultMaxNumExamples: Double = 1e7

    /// The ceiling in force.
    package var numExamplesCeiling: Double { self.maxNumExamples ?? Self.defaultMaxNumExamples }

    package init(
        aggregator: AggregatorName = .fedavg,
        aggregatorParams: [String: Double] = [:],
        rounds: Int = 5,
        roundTimeout: Double = 180,
        bufferSize: Int = 0,
        clientsRequired: Int = 1,
        requestedClients: Int = 0,
        validate: Bool = true,
        model: ModelID? = nil,
        clientSettingsJSON: String = "{}"
    ) {
        self.aggregator = aggregator
        self.aggregatorParams = aggregatorParams
        self.rounds = rounds
        self.roundTimeout = roundTimeout
        self.bufferSize = bufferSize
        self.clientsRequired = clientsRequired
        self.requestedClients = requestedClients
        self.validate = validate
        self.model = model
        self.clientSettingsJSON = clientSettingsJSON
    }

    /// The aggregator with its parameters checked.
    package func aggregatorConfig() throws(SessionConfigError) -> AggregatorConfig {
        do {
            return try AggregatorConfig(name: self.aggregator.rawValue, parameters: self.aggregatorParams)
        } catch {
            throw SessionConfigError(field: "aggregator_params", message: "\(error)")
        }
    }

    /// Checks every field; the first problem found is thrown.
    package func check() throws(SessionConfigError) {
        _ = try self.aggregatorConfig()
        if let ceiling = self.maxNumExamples {
            guard ceiling.isFinite, ceiling >= 1, ceiling <= 1e15 else {
                throw SessionConfigError(
                    field: "max_num_examples",
                    message: "max_num_examples is \(ceiling); give a number from 1 to 1e15"
                )
            }
        }
        guard (1...100_000).contains(self.rounds) else {
            throw SessionConfigError(
                field: "rounds",
                message: "rounds is \(self.rounds); give a number from 1 to 100000"
            )
        }
        guard self.roundTimeout.isFinite, self.roundTimeout >= 1, self.roundTimeout <= 7 * 86_400 else {
            throw SessionConfigError(
                field: "round_timeout",
                message: "round_timeout is \(self.roundTimeout) s; give between 1 s and 7 days"
            )
        }
        guard self.bufferSize >= 0 else {
            throw SessionConfigError(
                field: "buffer_size",
                message: "buffer_size is \(self.bufferSize); give 0 (every selected client) or more"
            )
        }
        guard self.clientsRequired >= 1 else {
            throw SessionConfigError(
                field: "clients_required",
                message: "clients_required is \(self.clientsRequired); a round needs at least 1 update"
            )
        }
        guard self.requestedClients >= 0 else {
            throw SessionConfigError(
                field: "requested_clients",
                message: "requested_clients is \(self.requestedClients); give 0 (every active client) or more"
            )
        }
        if self.requestedClients > 0 && self.requestedClients < self.clientsRequired {
            throw SessionConfigError(
                field: "requested_clients",
                message:
                    "requested_clients (\(self.requestedClients)) is below clients_required (\(self.clientsRequired)); no round could ever count"
            )
        }
        if self.bufferSize > 0 && self.bufferSize < self.clientsRequired {
            throw SessionConfigError(
                field: "buffer_size",
                message:
                    "buffer_size (\(self.bufferSize)) is below clients_required (\(self.clientsRequired)); rounds would close before they count"
            )
        }
    }
}
