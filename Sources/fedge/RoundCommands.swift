import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels
import Foundation

/// `fedge round`: the rounds of training sessions.
struct RoundCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "round",
        abstract: "List and inspect rounds.",
        discussion: "A round asks clients for updates, reduces them across combiners and commits a new model.",
        subcommands: [RoundListCommand.self, RoundShowCommand.self]
    )
}

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

/// `fedge round show SESSION NUMBER`.
struct RoundShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a round and each combiner's part in it.",
        discussion: "SELECTED clients were asked; RECEIVED sent updates; FAILED and REFUSED did not count."
    )

    @OptionGroup var api: APIOptions

    @Argument(help: "The session id.")
    var session: String

    @Argument(help: "The round number.")
    var number: Int

    func run() async throws {
        let round = try await self.api.withClient { try await $0.round(session: self.session, number: self.number) }
        self.api.print(round) {
            print("round \(round.session)/\(round.number) \(round.status)")
            Output.printFields([
                ("updates", "\(round.received)/\(round.expected) received, \(round.minimum) needed"),
                ("started", "\(Format.timestamp(round.startedAt)) (\(Format.relative(round.startedAt)))"),
                ("duration", RoundFields.duration(round)),
                ("deadline", round.endedAt == nil ? (round.deadline.map { Format.relative($0) } ?? "") : ""),
                ("model", round.model ?? ""),
                ("reason", round.reason ?? ""),
            ], indent: 2)
            guard !round.participation.isEmpty else { return }
            print("")
            var table = Table("COMBINER", "SELECTED", "RECEIVED", "FAILED", "REFUSED", "PARTIAL")
            for part in round.participation {
                table.append(
                    part.combiner,
                    String(part.selected),
                    String(part.received),
                    String(part.failed),
                    String(part.refused),
                    Format.hash(part.partial)
                )
            }
            Output.printTable(table, empty: "")
        }
    }
}

enum RoundFields {
    /// The round's duration, or the time so far with `…` while it runs.
    static func duration(_ round: RoundDTO) -> String {
        if let seconds = round.durationSeconds { return Format.duration(seconds) }
        return Format.duration(Date().timeIntervalSince(round.startedAt)) + "…"
    }
}
