import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels

/// `fedge events`: the audit trail, or its live stream.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "List audit events, or follow them live.",
        discussion: """
            Without --follow, lists the stored events, newest first. With --follow, prints events as the \
            controller emits them (including progress notices, which are not stored) until interrupted; with \
            --json, one JSON object per line.
            """
    )

    @OptionGroup var api: APIOptions
    @OptionGroup var page: PageOptions

    @Option(help: "Only events of this kind.")
    var kind: String?

    @Flag(help: "Follow the live stream instead of listing.")
    var follow = false

    func run() async throws {
        if self.follow {
            try await self.api.withClient { client in
                let query = self.kind.map { ["kind": $0] } ?? [:]
                for try await event in client.events(query: query) {
                    if let kind = self.kind, event.kind != kind { continue }
                    print(self.api.json ? Output.json(event, pretty: false) : Self.line(event))
                }
            }
            return
        }
        let events = try await self.api.withClient {
            try await $0.listEvents(kind: self.kind, limit: self.page.limit, offset: self.page.offset)
        }
        self.api.print(events) {
            var table = Table("ID", "TIME", "KIND", "ACTOR", "SUBJECT", "MESSAGE")
            for event in events.items {
                table.append(
                    String(event.id),
                    Format.timestamp(event.createdAt),
                    event.kind,
                    event.actor,
                    event.subject ?? "-",
                    event.message
                )
            }
            Output.printTable(table, empty: "No events.")
            Output.printPageNote(events)
        }
    }

    /// One followed event: `2025-06-01T12:00:00Z  round.committed  controller  s-1/3  message`.
    static func line(_ event: EventDTO) -> String {
        [Format.timestamp(event.createdAt), event.kind, event.actor, event.subject ?? "-", event.message]
            .joined(separator: "  ")
    }
}
