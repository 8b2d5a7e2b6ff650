import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels
import Foundation

/// `fedge round list`.
struct RoundListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List rounds, newest first.",
        discussion: "UPDATES is received/expected; a round counts once it has MIN updates."
    )

    @OptionGroup var api: APIOptions
    @OptionGroup var page: PageOptions

    @Option(help: "Only rounds of this session.")
    var session: String?

    @Option(help: "Only rounds with this status: running, validating, committed, failed or cancelled.")
    var status: String?

    func run() async throws {
        let rounds = try await self.api.withClient {
            try await $0.listRounds(
                session: self.session,
                status: self.status,
                limit: self.page.limit,
                offset: self.page.offset
            )
        }
        self.api.print(rounds) {
            var table = Table("SESSION", "ROUND", "STATUS", "UPDATES", "MIN", "DURATION", "MODEL", "STARTED")
            for round in rounds.items {
                table.append(
                    round.session,
                    String(round.number),
                    round.status,
                    "\(round.received)/\(round.expected)",
                    String(round.minimum),
                    RoundFields.duration(round),
                    Format.hash(round.model),
                    Format.relative(round.startedAt)
                )
            }
            Output.printTable(table, empty: "No rounds.")
            Output.printPageNote(rounds)
        }
    }
}
