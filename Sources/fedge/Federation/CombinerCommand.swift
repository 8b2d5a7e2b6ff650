import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels

/// `fedge combiner`: the combiners attached to the controller.
struct CombinerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "combiner",
        abstract: "List combiners, show one combiner's own status, or enroll one (a kit).",
        discussion: "Combiners sit between the controller and the edge clients, and reduce their updates.",
        subcommands: [CombinerListCommand.self, CombinerStatusCommand.self, CombinerEnrollCommand.self]
    )
}
