import FedgeAPIModels

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
