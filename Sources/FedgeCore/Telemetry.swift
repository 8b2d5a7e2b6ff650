/// Resource use of a node, sent with its heartbeats.
package struct Telemetry: Sendable, Hashable, Codable {
    package var cpuPercent: Double = 0
    package var memoryUsedBytes: UInt64 = 0
    package var memoryTotalBytes: UInt64 = 0
    package var diskFreeBytes: UInt64 = 0
    package var processRssBytes: UInt64 = 0
    package var cores: Int = 0

    package init() {}
}

/// Whether a client is reachable, judged from how long ago it was last heard from.
package enum ClientLiveness: String, Sendable, Hashable, Codable {
    /// Heard from within the active window: eligible for tasks.
    case online
    /// Silent longer than the active window: not given new tasks.
    case stale
    /// Silent longer than the offline window, or disconnected.
    case offline
}
