/// Who a caller is to Fedge: three roles for people, two for nodes.
package enum Role: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Everything an operator can do, and tokens, enrollment, packages and combiners.
    case admin
    /// Everything an observer can do, and starting, stopping and resuming sessions and activating models.
    case `operator`
    /// Reads: sessions, rounds, models, clients, combiners, metrics, events, the audit trail.
    case observer
    /// A combiner node: attaches to the controller and uploads its partial aggregates.
    case combiner
    /// An edge client: asks for a combiner, connects, downloads what it was given and uploads its updates.
    case client

    /// The roles of people (tokens made with `fedge token create`).
    package static let people: [Role] = [.admin, .operator, .observer]

    /// Whether this is a node's role (issued through enrollment).
    package var isNode: Bool { self == .combiner || self == .client }

    package var description: String { self.rawValue }
}
