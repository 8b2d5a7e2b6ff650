package import FedgeAPIModels

/// The console's views, in tab order; number keys 1–8 select them.
package enum ViewKind: Int, Sendable, Hashable, CaseIterable {
    case overview = 1, sessions, rounds, clients, combiners, models, metrics, events

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

/// A key the console understands, decoded by the terminal driver.
package enum Key: Sendable, Hashable {
    case character(Character)
    case up, down, left, right, pageUp, pageDown, home, end
    case tab, backTab, enter, escape, backspace
    case resize
    case interrupt
}

/// What the console asks its driver to do after a key.
package enum ConsoleAction: Sendable, Hashable {
    case quit
    case refresh
    case startSession(SessionConfigDTO)
    case stopSession(String)
    case activate(model: String)
}

/// The console's own state: which view, what is selected, filters, sorting, and any form, question or help open.
package struct ConsoleState: Sendable {
    package enum Mode: Sendable, Hashable {
        case normal
        /// Typing a filter for the current view.
        case filtering
        case form(SessionForm)
        /// Waiting for y/n before stopping this session.
        case confirmStop(String)
        case help
    }

    package var view: ViewKind = .overview
    package var mode: Mode = .normal
    package var selection: [ViewKind: Int] = [:]
    package var filters: [ViewKind: String] = [:]
    /// The column a table is sorted by (index into its columns).
    package var sortColumn: [ViewKind: Int] = [:]
    /// Which metric the Metrics view charts (index into the names it finds).
    package var metricIndex = 0
    /// The last thing the console did, or an error, as a sentence.
    package var status: String = "Press ? for help."
    package var statusIsError = false
    /// A combiner's own socket: only its local view.
    package var combinerMode = false

    package init() {}

    package func selected(_ view: ViewKind) -> Int { self.selection[view] ?? 0 }

    package mutating func say(_ text: String, error: Bool = false) {
        self.status = text
        self.statusIsError = error
    }
}
