import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels
import Foundation

/// `fedge round`: the rounds of training sessions.
struct RoundCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "round",
        abstract: "List and inspect rounds.",
        discussion: "A round asks clients for updates, reduces them across combiners and commits a new model.",
        subcommands: [RoundListCommand.self, RoundShowCommand.self]
    )
}
