/// The aggregators Fedge knows, by the name operators use in session configs and on the command line.
package enum AggregatorName: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case fedavg
    case fedavgm
    case fedadam
    case fedyogi
    case fedadagrad
    case fedmedian
    case fedtrimmedavg
    case krum
    case multikrum

    /// Whether the aggregator needs every update of a round at once (robust ones) rather than a running sum.
    package var isRobust: Bool {
        switch self {
        case .fedmedian, .fedtrimmedavg, .krum, .multikrum: true
        case .fedavg, .fedavgm, .fedadam, .fedyogi, .fedadagrad: false
        }
    }

    /// Whether the aggregator keeps server optimizer state between rounds.
    package var hasServerState: Bool {
        switch self {
        case .fedavgm, .fedadam, .fedyogi, .fedadagrad: true
        case .fedavg, .fedmedian, .fedtrimmedavg, .krum, .multikrum: false
        }
    }

    package var description: String { self.rawValue }
}
