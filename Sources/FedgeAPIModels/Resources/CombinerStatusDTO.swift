import Foundation

/// A combiner's own view, on its control socket.
package struct CombinerStatusDTO: Sendable, Hashable, Codable {
    package var name: String
    package var address: String
    package var controller: String?
    /// Whether it holds its stream to the controller.
    package var attached: Bool
    package var clientsOnline: Int
    package var clientsStale: Int
    package var clientsOffline: Int
    package var updatesAccepted: Int
    package var updatesRefused: [String: Int]
    package var round: CombinerRoundDTO?

    package init(
        name: String,
        address: String,
        controller: String?,
        attached: Bool,
        clientsOnline: Int,
        clientsStale: Int,
        clientsOffline: Int,
        updatesAccepted: Int,
        updatesRefused: [String: Int],
        round: CombinerRoundDTO?
    ) {
        self.name = name
        self.address = address
        self.controller = controller
        self.attached = attached
        self.clientsOnline = clientsOnline
        self.clientsStale = clientsStale
        self.clientsOffline = clientsOffline
        self.updatesAccepted = updatesAccepted
        self.updatesRefused = updatesRefused
        self.round = round
    }
}
