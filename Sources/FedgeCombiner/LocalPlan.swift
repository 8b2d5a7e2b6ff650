package import Foundation

/// A session run by a combiner on its own, from a JSON file, until the controller drives it: the seed model,
/// the number of rounds and the same settings a session config has.
///
/// ```json
/// {"model": "seed.safetensors", "rounds": 3, "aggregator": "fedavg", "round_timeout": 60,
///  "clients_required": 2, "wait_for_clients": 2, "client_settings": {"epochs": 1}}
/// ```
package struct LocalPlan: Sendable, Hashable {
    package var model: String
    package var rounds: Int = 1
    package var aggregator: String = "fedavg"
    package var aggregatorParams: [String: Double] = [:]
    /// Seconds each round waits for updates.
    package var roundTimeout: Double = 180
    /// Close a round once this many updates arrived (0: all selected).
    package var bufferSize: Int = 0
    /// The fewest updates for a round to count.
    package var clientsRequired: Int = 1
    /// How many clients to select per round (0: all online).
    package var requestedClients: Int = 0
    /// Clients to wait for before the first round.
    package var waitForClients: Int = 1
    package var clientSettingsJSON: String = "{}"
    /// Where each round's model is also written as `round-N.safetensors` (optional).
    package var output: String? = nil
    package var session: String = "local"

    package init(model: String) { self.model = model }

    /// Why a plan file was refused.
    package struct PlanError: Error, CustomStringConvertible {
        package var description: String
    }

    /// Reads a plan file; relative paths in it are taken relative to the file.
    package init(contentsOf url: URL) throws {
        guard let data = try? Data(contentsOf: url) else {
            throw PlanError(description: "cannot read the plan file \(url.path)")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw PlanError(description: "the plan file \(url.path) is not a JSON object")
        }
        guard let model = object["model"] as? String else {
            throw PlanError(description: "the plan file \(url.path) lacks \"model\" (the seed model's path)")
        }
        let base = url.deletingLastPathComponent()
        self.init(model: model.hasPrefix("/") ? model : base.appendingPathComponent(model).path)
        func int(_ key: String) throws -> Int? {
            guard let value = object[key] else { return nil }
            guard let number = value as? Int, number >= 0 else {
                throw PlanError(description: "\"\(key)\" in \(url.path) must be a whole number of at least 0")
            }
            return number
        }
        self.rounds = try int("rounds") ?? 1
        self.bufferSize = try int("buffer_size") ?? 0
        self.clientsRequired = try int("clients_required") ?? 1
        self.requestedClients = try int("requested_clients") ?? 0
        self.waitForClients = try int("wait_for_clients") ?? max(1, self.clientsRequired)
        if let timeout = object["round_timeout"] {
            guard let seconds = (timeout as? NSNumber)?.doubleValue, seconds > 0 else {
                throw PlanError(description: "\"round_timeout\" in \(url.path) must be a positive number of seconds")
            }
            self.roundTimeout = seconds
        }
        if let aggregator = object["aggregator"] as? String { self.aggregator = aggregator }
        if let params = object["aggregator_params"] as? [String: Any] {
            self.aggregatorParams = params.compactMapValues { ($0 as? NSNumber)?.doubleValue }
        }
        if let settings = object["client_settings"] {
            guard settings is [String: Any] else {
                throw PlanError(description: "\"client_settings\" in \(url.path) must be a JSON object")
            }
            self.clientSettingsJSON = String(
                decoding: try JSONSerialization.data(withJSONObject: settings, options: [.sortedKeys]),
                as: UTF8.self
            )
        }
        if let output = object["output"] as? String {
            self.output = output.hasPrefix("/") ? output : base.appendingPathComponent(output).path
        }
        if let session = object["session"] as? String { self.session = session }
        guard self.rounds >= 1 else { throw PlanError(description: "\"rounds\" in \(url.path) must be at least 1") }
    }
}
