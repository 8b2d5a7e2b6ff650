import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels

/// `fedge client`: the edge clients the combiners know.
struct ClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client",
        abstract: "List the edge clients, or enroll new ones (kits).",
        discussion: """
            Clients are online while they heartbeat, stale after a silence (and given no new tasks), then offline.
            """,
        subcommands: [ClientListCommand.self, ClientEnrollCommand.self]
    )
}
