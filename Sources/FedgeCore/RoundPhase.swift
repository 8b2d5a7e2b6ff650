/// Where a round's time goes, phase by phase, as the tiers measure it: recorded with each round and shown by
/// `fedge round show` and `fedge bench round`.
///
/// Client phases are means over the updates a combiner accepted (the clients work in parallel); combiner phases
/// are the slowest combiner's; controller phases are the controller's own.
package enum RoundPhase: String, Sendable, Hashable, CaseIterable, Codable {
    /// The controller: from the round's start until the plans were made and recorded.
    case plan
    /// A client: downloading the global model (as the client measured it).
    case download
    /// A client: its trainer's run.
    case train
    /// A client's update reaching the combiner, from admission to the last byte checked (as the combiner measured it).
    case upload
    /// A combiner: validating and folding the accepted updates into its aggregate (the total).
    case fold
    /// A combiner: writing its partial aggregate and streaming it to the controller.
    case partialUpload = "partial_upload"
    /// The controller: from the plans sent until every combiner's outcome arrived (the round as the combiners run
    /// it: the client phases and the folds happen inside it).
    case collect
    /// The controller: merging the partials and the server step.
    case reduce
    /// The controller: writing the new model and the round into the model trail.
    case commit
    /// The controller: validating the new model on the clients.
    case validation

    /// Phases by their names, keeping only known names with finite, non-negative values.
    package static func read(_ values: [String: Double]) -> [RoundPhase: Double] {
        var phases: [RoundPhase: Double] = [:]
        for (name, seconds) in values {
            if let phase = RoundPhase(rawValue: name), seconds.isFinite, seconds >= 0 { phases[phase] = seconds }
        }
        return phases
    }
}

extension Dictionary where Key == RoundPhase, Value == Double {
    /// The phases by name, for the wire and the store.
    package var named: [String: Double] {
        [String: Double](uniqueKeysWithValues: self.map { ($0.key.rawValue, $0.value) })
    }
}
