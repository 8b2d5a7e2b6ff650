/// An aggregator with its parameters checked, built from a name and a `[name: value]` map.
///
/// ```swift
/// let config = try AggregatorConfig(name: "fedadam", parameters: ["eta": 0.05])
/// ```
package enum AggregatorConfig: Sendable, Hashable, CustomStringConvertible {
    /// Weighted average by `num_examples`.
    case fedavg
    /// Weighted average followed by server momentum.
    case fedavgm(Momentum)
    /// Weighted average followed by an adaptive server step (Reddi et al.).
    case fedopt(AggregatorName, FedOpt)
    /// Coordinate-wise median, unweighted.
    case fedmedian
    /// Coordinate-wise trimmed mean, unweighted: drops ⌊beta·n⌋ values at each end.
    case fedtrimmedavg(beta: Double)
    /// Krum: keeps the single update with the lowest score.
    case krum(f: Int)
    /// Multi-Krum: averages the `m` updates with the lowest scores, weighted by `num_examples`.
    case multikrum(f: Int, m: Int)

    /// Server momentum parameters: x ← x − η·v, v ← β·v + (x − avg).
    package struct Momentum: Sendable, Hashable {
        /// Server learning rate η.
        package var eta: Double = 1.0
        /// Momentum β.
        package var beta: Double = 0.9
        package init(eta: Double = 1.0, beta: Double = 0.9) {
            self.eta = eta
            self.beta = beta
        }
    }

    /// Adaptive server optimizer parameters.
    package struct FedOpt: Sendable, Hashable {
        /// Server learning rate η.
        package var eta: Double = 0.1
        /// First-moment decay β1.
        package var beta1: Double = 0.9
        /// Second-moment decay β2 (unused by Adagrad).
        package var beta2: Double = 0.99
        /// Adaptivity τ, added to √v.
        package var tau: Double = 1e-3
        package init(eta: Double = 0.1, beta1: Double = 0.9, beta2: Double = 0.99, tau: Double = 1e-3) {
            self.eta = eta
            self.beta1 = beta1
            self.beta2 = beta2
            self.tau = tau
        }
    }

    /// The aggregator's name.
    package var name: AggregatorName {
        switch self {
        case .fedavg: .fedavg
        case .fedavgm: .fedavgm
        case .fedopt(let name, _): name
        case .fedmedian: .fedmedian
        case .fedtrimmedavg: .fedtrimmedavg
        case .krum: .krum
        case .multikrum: .multikrum
        }
    }

    /// The parameters in effect, defaults included, as a map that parses back to the same config.
    package var parameters: [String: Double] {
        switch self {
        case .fedavg, .fedmedian: [:]
        case .fedavgm(let p): ["eta": p.eta, "beta": p.beta]
        case .fedopt(_, let p): ["eta": p.eta, "beta1": p.beta1, "beta2": p.beta2, "tau": p.tau]
        case .fedtrimmedavg(let beta): ["beta": beta]
        case .krum(let f): ["f": Double(f)]
        case .multikrum(let f, let m): ["f": Double(f), "m": Double(m)]
        }
    }

    package var description: String {
        let params = self.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return params.isEmpty ? self.name.rawValue : "\(self.name.rawValue)(\(params.joined(separator: ", ")))"
    }

    /// Builds a config from an aggregator name and its parameters; missing parameters take their defaults.
    ///
    /// - Throws: `AggregatorConfigError` for an unknown name, an unknown parameter or a value out of range.
    package init(name: String, parameters: [String: Double] = [:]) throws(AggregatorConfigError) {
        guard let known = AggregatorName(rawValue: name.lowercased()) else {
            throw .unknownAggregator(name)
        }
        var reader = ParameterReader(aggregator: known, values: parameters)
        switch known {
        case .fedavg:
            self = .fedavg
        case .fedavgm:
            let eta = try reader.double("eta", default: 1.0, valid: { $0 > 0 }, rule: "greater than 0")
            let beta = try reader.double("beta", default: 0.9, valid: { $0 >= 0 && $0 < 1 }, rule: "in [0, 1)")
            self = .fedavgm(Momentum(eta: eta, beta: beta))
        case .fedadam, .fedyogi, .fedadagrad:
            let eta = try reader.double("eta", default: 0.1, valid: { $0 > 0 }, rule: "greater than 0")
            let beta1 = try reader.double(
                "beta1",
                default: known == .fedadagrad ? 0 : 0.9,
                valid: { $0 >= 0 && $0 < 1 },
                rule: "in [0, 1)"
            )
            let beta2 = try reader.double("beta2", default: 0.99, valid: { $0 >= 0 && $0 < 1 }, rule: "in [0, 1)")
            let tau = try reader.double("tau", default: 1e-3, valid: { $0 > 0 }, rule: "greater than 0")
            self = .fedopt(known, FedOpt(eta: eta, beta1: beta1, beta2: beta2, tau: tau))
        case .fedmedian:
            self = .fedmedian
        case .fedtrimmedavg:
            let beta = try reader.double("beta", default: 0.2, valid: { $0 >= 0 && $0 < 0.5 }, rule: "in [0, 0.5)")
            self = .fedtrimmedavg(beta: beta)
        case .krum:
            self = .krum(f: try reader.integer("f", default: 0, minimum: 0))
        case .multikrum:
            let f = try reader.integer("f", default: 0, minimum: 0)
            let m = try reader.integer("m", default: 2, minimum: 1)
            self = .multikrum(f: f, m: m)
        }
        try reader.rejectLeftovers()
    }
}

/// Reads named parameters once each, so that whatever is left over can be reported as unknown.
private struct ParameterReader {
    let aggregator: AggregatorName
    var values: [String: Double]
    var known: [String] = []

    mutating func double(
        _ key: String,
        default fallback: Double,
        valid: (Double) -> Bool,
        rule: String
    ) throws(AggregatorConfigError) -> Double {
        self.known.append(key)
        guard let value = self.values.removeValue(forKey: key) else { return fallback }
        guard value.isFinite, valid(value) else {
            throw .invalidValue(aggregator: self.aggregator, parameter: key, value: value, rule: rule)
        }
        return value
    }

    mutating func integer(_ key: String, default fallback: Int, minimum: Int) throws(AggregatorConfigError) -> Int {
        self.known.append(key)
        guard let value = self.values.removeValue(forKey: key) else { return fallback }
        guard value.isFinite, value.rounded() == value, value >= Double(minimum), value < 1e9 else {
            throw .invalidValue(
                aggregator: self.aggregator,
                parameter: key,
                value: value,
                rule: "a whole number of at least \(minimum)"
            )
        }
        return Int(value)
    }

    func rejectLeftovers() throws(AggregatorConfigError) {
        if let unknown = self.values.keys.sorted().first {
            throw .unknownParameter(aggregator: self.aggregator, parameter: unknown, known: self.known)
        }
    }
}
