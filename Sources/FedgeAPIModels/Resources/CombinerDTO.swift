package import Foundation

/// A combiner the controller knows, with its clients by liveness.
package struct CombinerDTO: Sendable, Hashable, Codable {
    package var name: String
    /// Where its clients reach it (host:port).
    package var address: String
    /// `online` while it holds its stream to the controller, `offline` after.
    package var status: String
    package var firstSeen: Date
    package var lastSeen: Date
    package var clientsOnline: Int
    package var clientsStale: Int
    package var clientsOffline: Int

    package init(
        name: String,
        address: String,
        status: String,
        firstSeen: Date,
        lastSeen: Date,
        clientsOnline: Int,
        clientsStale: Int,
        clientsOffline: Int
    ) {
        self.name = name
        self.address = address
        self.status = status
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.clientsOnline = clientsOnline
        self.clientsStale = clientsStale
        self.clientsOffline = clientsOffline
    }
}
