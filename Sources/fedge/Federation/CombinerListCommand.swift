import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels

/// `fedge combiner list`.
struct CombinerListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the combiners the controller knows.",
        discussion: "A combiner is online while it holds its stream to the controller."
    )

    @OptionGroup var api: APIOptions
    @OptionGroup var page: PageOptions

    @Option(help: "Only combiners with this status: online or offline.")
    var status: String?

    func run() async throws {
        let combiners = try await self.api.withClient {
            try await $0.listCombiners(status: self.status, limit: self.page.limit, offset: self.page.offset)
        }
        self.api.print(combiners) {
            var table = Table("NAME", "ADDRESS", "STATUS", "ONLINE", "STALE", "OFFLINE", "LAST SEEN")
            for combiner in combiners.items {
                table.append(
                    combiner.name,
                    combiner.address,
                    combiner.status,
                    String(combiner.clientsOnline),
                    String(combiner.clientsStale),
                    String(combiner.clientsOffline),
                    Format.relative(combiner.lastSeen)
                )
            }
            Output.printTable(table, empty: "No combiners have attached.")
            Output.printPageNote(combiners)
        }
    }
}
