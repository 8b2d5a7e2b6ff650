import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels
import Foundation

/// `fedge session show ID`.
struct SessionShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a session's config and its rounds.",
        discussion: "With --json, prints {\"session\": …, \"rounds\": […]}."
    )

    @OptionGroup var api: APIOptions

    @Argument(help: "The session id.")
    var id: String

    func run() async throws {
        let (session, rounds) = try await self.api.withClient { client in
            let session = try await client.session(self.id)
            let rounds = try await client.sessionRounds(session.id)
            return (session, rounds.items)
        }
        self.api.print(SessionDetail(session: session, rounds: rounds)) {
            print("session \(session.id) \(session.status)")
            Output.printFields(SessionFields.full(session), indent: 2)
            print("")
            var table = Table("ROUND", "STATUS", "UPDATES", "MIN", "DURATION", "MODEL", "REASON")
            for round in rounds {
                table.append(
                    String(round.number),
                    round.status,
                    "\(round.received)/\(round.expected)",
                    String(round.minimum),
                    round.endedAt == nil
                        ? Format.duration(Date().timeIntervalSince(round.startedAt)) + "…"
                        : Format.duration(round.durationSeconds),
                    Format.hash(round.model),
                    round.reason ?? ""
                )
            }
            Output.printTable(table, empty: "No rounds yet.")
        }
    }
}
