import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels
import Foundation

/// `fedge model list`.
struct ModelListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List models, newest first.",
        discussion: "The active model, which new sessions start from, is marked with *."
    )

    @OptionGroup var api: APIOptions
    @OptionGroup var page: PageOptions

    @Option(help: "Only models this session made.")
    var session: String?

    func run() async throws {
        let models = try await self.api.withClient {
            try await $0.listModels(session: self.session, limit: self.page.limit, offset: self.page.offset)
        }
        self.api.print(models) {
            var table = Table("", "ID", "SESSION", "ROUND", "AGGREGATOR", "SIZE", "METRICS", "CREATED")
            for model in models.items {
                table.append(
                    model.active ? "*" : "",
                    Format.hash(model.id),
                    model.session ?? "-",
                    model.round.map(String.init) ?? "-",
                    model.aggregator ?? "seed",
                    Format.bytes(model.size),
                    Format.metrics(model.metrics),
                    Format.relative(model.createdAt)
                )
            }
            Output.printTable(table, empty: "No models; `fedge model upload FILE --activate` adds a seed.")
            Output.printPageNote(models)
        }
    }
}
