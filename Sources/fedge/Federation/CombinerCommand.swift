import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels

/// `fedge combiner`: the combiners attached to the controller.
struct CombinerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "combiner",
        abstract: "List combiners, or show one combiner's own status.",
        discussion: "Combiners sit between the controller and the edge clients, and reduce their updates.",
        subcommands: [CombinerListCommand.self, CombinerStatusCommand.self]
    )
}
