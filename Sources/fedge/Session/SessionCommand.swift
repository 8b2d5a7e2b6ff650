import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels
import Foundation

/// `fedge session`: training sessions on the controller.
struct SessionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session",
        abstract: "Start, list, inspect, stop and resume training sessions.",
        discussion: """
            A session runs a number of federated rounds with one aggregator, starting from a model of the trail. \
            Sessions run one at a time; the others wait queued.
            """,
        subcommands: [
            SessionStartCommand.self, SessionListCommand.self, SessionShowCommand.self, SessionStopCommand.self,
            SessionResumeCommand.self,
        ]
    )
}
