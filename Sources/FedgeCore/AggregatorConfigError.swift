/// Why an aggregator configuration was refused.
package enum AggregatorConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The aggregator name is not one Fedge knows.
    case unknownAggregator(String)
    /// The aggregator takes no parameter of that name.
    case unknownParameter(aggregator: AggregatorName, parameter: String, known: [String])
    /// The parameter's value is outside its allowed range.
    case invalidValue(aggregator: AggregatorName, parameter: String, value: Double, rule: String)

    package var description: String {
        switch self {
        case .unknownAggregator(let name):
            let names = AggregatorName.allCases.map(\.rawValue).joined(separator: ", ")
            return "unknown aggregator '\(name)'; choose one of: \(names)"
        case .unknownParameter(let aggregator, let parameter, let known):
            let list = known.isEmpty ? "it takes no parameters" : "it takes: \(known.joined(separator: ", "))"
            return "aggregator \(aggregator) has no parameter '\(parameter)'; \(list)"
        case .invalidValue(let aggregator, let parameter, let value, let rule):
            return "parameter '\(parameter)' of \(aggregator) must be \(rule), not \(value)"
        }
    }
}
