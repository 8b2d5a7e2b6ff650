import FedgeAPIModels
import Foundation

/// Follows the time each client was last heard, as the controller lists it, and keeps the gaps between a client's
/// successive heartbeats.
///
/// The controller's `last_seen` is the combiner's clock when a heartbeat arrived, relayed with every combiner
/// heartbeat (2 s). Read more often than that, and with clients heartbeating less often, each new value is the next
/// heartbeat, so the gaps are the combiner's own inter-arrival times.
struct HeartbeatWatch: Sendable {
    private var last: [String: Date] = [:]
    /// Seconds between successive heartbeats of the same client, over every client.
    private(set) var gaps: [Double] = []

    /// Takes one listing of every client: a `last_seen` newer than the one seen before adds a gap.
    mutating func observe(_ clients: [ClientDTO]) {
        for client in clients {
            if let previous = self.last[client.name], client.lastSeen > previous {
                self.gaps.append(client.lastSeen.timeIntervalSince(previous))
            }
            self.last[client.name] = client.lastSeen
        }
    }

    /// Forgets the gaps so far, keeping each client's last heartbeat: gaps count from here on.
    mutating func resetGaps() { self.gaps.removeAll() }

    /// The gaps longer than `limit` seconds.
    func late(limit: Double) -> Int { self.gaps.count { $0 > limit } }

    /// The gap below which `fraction` of them fall (nearest rank), or 0 with none.
    func percentile(_ fraction: Double) -> Double { Spread.nearestRank(fraction, of: self.gaps.sorted()) }
}
