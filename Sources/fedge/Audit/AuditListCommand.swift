import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels

/// `fedge audit list`.
struct AuditListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "The audit trail, newest first: who did what, to what, with what outcome, from where."
    )

    @Option(help: "Only this actor (a token's subject, a node's name, control-socket).")
    var actor: String?

    @Option(help: "Only this action (event kind), e.g. session.created, access.refused, token.revoked.")
    var action: String?

    @Option(help: "Only events at or after this time (ISO 8601, e.g. 2026-12-05T10:00:00Z).")
    var since: String?

    @Flag(help: "Only refused requests.")
    var refused = false

    @OptionGroup var page: PageOptions
    @OptionGroup var api: APIOptions

    func run() async throws {
        let events = try await self.api.withClient {
            try await $0.listEvents(
                kind: self.action,
                actor: self.actor,
                outcome: self.refused ? "refused" : nil,
                since: self.since,
                limit: self.page.limit,
                offset: self.page.offset
            )
        }
        self.api.print(events) {
            var table = Table("ID", "TIME", "ACTOR", "ACTION", "OUTCOME", "TARGET", "FROM", "MESSAGE")
            for event in events.items {
                table.append(
                    "\(event.id)",
                    API.formatDate(event.createdAt),
                    event.actor,
                    event.kind,
                    event.outcome,
                    event.subject ?? "-",
                    event.address ?? "-",
                    event.message
                )
            }
            Output.printTable(table, empty: "No events match.")
            Output.printPageNote(events)
        }
    }
}
