import FedgeAPIModels

/// The console's views, in tab order; number keys 1–8 select them.
package enum ViewKind: Int, Sendable, Hashable, CaseIterable {
    case overview = 1
    case sessions, rounds, clients, combiners, models, metrics, events

    package var title: String {
        switch self {
        case .overview: "Overview"
        case .sessions: "Sessions"
        case .rounds: "Rounds"
        case .clients: "Clients"
        case .combiners: "Combiners"
        case .models: "Model trail"
        case .metrics: "Metrics"
        case .events: "Events"
        }
    }

    /// For the tab bar of narrow terminals.
    package var shortTitle: String {
        switch self {
        case .overview: "Home"
        case .sessions: "Sess"
        case .rounds: "Rnds"
        case .clients: "Clnt"
        case .combiners: "Comb"
        case .models: "Trail"
        case .metrics: "Metr"
        case .events: "Evts"
        }
    }
}
