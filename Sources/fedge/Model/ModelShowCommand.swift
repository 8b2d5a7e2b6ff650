import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels
import Foundation

/// `fedge model show ID`.
struct ModelShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a model with its contributions and metrics.",
        discussion: "Contributions are the client updates aggregated into the model, with their weights."
    )

    @OptionGroup var api: APIOptions

    @Argument(help: "The model id or a unique prefix of it.")
    var id: String

    func run() async throws {
        let model = try await self.api.withClient { try await $0.model(self.id) }
        self.api.print(model) {
            print("model \(model.id)\(model.active ? " (active)" : "")")
            Output.printFields(ModelFields.full(model), indent: 2)
            let contributions = model.contributions ?? []
            guard !contributions.isEmpty else { return }
            print("")
            var table = Table("CLIENT", "COMBINER", "WEIGHT", "UPDATE")
            for contribution in contributions.sorted(by: { $0.client < $1.client }) {
                table.append(
                    contribution.client,
                    contribution.combiner ?? "-",
                    Format.number(contribution.weight),
                    Format.hash(contribution.update)
                )
            }
            Output.printTable(table, empty: "")
        }
    }
}
