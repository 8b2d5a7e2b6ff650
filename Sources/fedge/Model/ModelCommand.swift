import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels
import Foundation

/// `fedge model`: the model trail on the controller.
struct ModelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "List, inspect, transfer, activate and verify models of the trail.",
        discussion: """
            Every model is named by the SHA-256 of its file; give ids whole or as a unique prefix. The trail \
            links each aggregated model to its parent and records who contributed to it.
            """,
        subcommands: [
            ModelListCommand.self, ModelShowCommand.self, ModelTrailCommand.self, ModelDownloadCommand.self,
            ModelUploadCommand.self, ModelActivateCommand.self, ModelVerifyCommand.self,
        ]
    )
}
