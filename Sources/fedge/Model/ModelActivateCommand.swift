import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels
import Foundation

/// `fedge model activate ID`.
struct ModelActivateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "activate",
        abstract: "Make a model the active one.",
        discussion: "New sessions start from the active model unless they name another with --model."
    )

    @OptionGroup var api: APIOptions

    @Argument(help: "The model id or a unique prefix of it.")
    var id: String

    func run() async throws {
        let model = try await self.api.withClient { try await $0.activate(model: self.id) }
        self.api.print(model) { print("active model \(model.id)") }
    }
}
