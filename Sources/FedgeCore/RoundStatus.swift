/// Where a round is in its life.
package enum RoundStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case running, validating, committed, failed, cancelled
}
