/// Where a session is in its life.
package enum SessionStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case queued, running, finished, stopped, failed

    /// Whether the session may still train.
    package var isLive: Bool { self == .queued || self == .running }
}
