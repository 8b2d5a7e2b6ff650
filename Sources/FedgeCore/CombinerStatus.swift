/// Whether a combiner is attached to the controller.
package enum CombinerStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case online, offline
}
