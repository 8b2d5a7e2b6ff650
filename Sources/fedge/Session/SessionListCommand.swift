import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels
import Foundation

/// `fedge session list`.
struct SessionListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List sessions, newest first.",
        discussion: "Shows each session's status, aggregator, progress and newest model."
    )

    @OptionGroup var api: APIOptions
    @OptionGroup var page: PageOptions

    @Option(help: "Only sessions with this status: queued, running, finished, stopped or failed.")
    var status: String?

    func run() async throws {
        let sessions = try await self.api.withClient {
            try await $0.listSessions(status: self.status, limit: self.page.limit, offset: self.page.offset)
        }
        self.api.print(sessions) {
            var table = Table("ID", "STATUS", "AGGREGATOR", "ROUNDS", "LATEST MODEL", "CREATED")
            for session in sessions.items {
                table.append(
                    session.id,
                    session.status,
                    session.config.aggregator ?? "-",
                    "\(session.roundsDone)/\(session.config.rounds.map(String.init) ?? "?")",
                    Format.hash(session.latestModel),
                    Format.relative(session.createdAt)
                )
            }
            Output.printTable(table, empty: "No sessions; `fedge session start` creates one.")
            Output.printPageNote(sessions)
        }
    }
}
