import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels
import Foundation

/// `fedge session`: training sessions on the controller.
struct SessionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session",
        abstract: "Start, list, inspect, stop and resume training sessions.",
        discussion: """
            A session runs a number of federated rounds with one aggregator, starting from a model of the trail. \
            Sessions run one at a time; the others wait queued.
            """,
        subcommands: [
            SessionStartCommand.self, SessionListCommand.self, SessionShowCommand.self, SessionStopCommand.self,
            SessionResumeCommand.self,
        ]
    )
}

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
                    round.endedAt == nil ? Format.duration(Date().timeIntervalSince(round.startedAt)) + "…"
                        : Format.duration(round.durationSeconds),
                    Format.hash(round.model),
                    round.reason ?? ""
                )
            }
            Output.printTable(table, empty: "No rounds yet.")
        }
    }
}

/// What `fedge session show --json` prints.
struct SessionDetail: Encodable {
    var session: SessionDTO
    var rounds: [RoundDTO]
}

/// `fedge session stop ID`.
struct SessionStopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "Stop a session.",
        discussion: "Cancels the session's running round, if any; `fedge session resume` continues it later."
    )

    @OptionGroup var api: APIOptions

    @Argument(help: "The session id.")
    var id: String

    func run() async throws {
        let session = try await self.api.withClient { try await $0.stopSession(self.id) }
        self.api.print(session) { print("session \(session.id) \(session.status)") }
    }
}

/// `fedge session resume ID`.
struct SessionResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Resume a stopped session.",
        discussion: "Queues the session again; it continues with its next round from its newest model."
    )

    @OptionGroup var api: APIOptions

    @Argument(help: "The session id.")
    var id: String

    func run() async throws {
        let session = try await self.api.withClient { try await $0.startSession(self.id) }
        self.api.print(session) { print("session \(session.id) \(session.status)") }
    }
}

/// The lines that describe a session.
enum SessionFields {
    /// Aggregator, rounds and models.
    static func summary(_ session: SessionDTO) -> [(String, String)] {
        let config = session.config
        return [
            ("aggregator", Self.aggregator(config)),
            ("rounds", "\(session.roundsDone)/\(config.rounds.map(String.init) ?? "?")"),
            ("seed model", Format.hash(session.seedModel)),
            ("latest model", session.latestModel.map(Format.hash) ?? ""),
            ("reason", session.reason ?? ""),
        ]
    }

    /// The summary and the rest of the config.
    static func full(_ session: SessionDTO) -> [(String, String)] {
        let config = session.config
        let settings = (config.clientSettings ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return Self.summary(session) + [
            ("created", "\(Format.timestamp(session.createdAt)) (\(Format.relative(session.createdAt)))"),
            ("round timeout", config.roundTimeout.map(Format.duration) ?? ""),
            ("buffer size", config.bufferSize.map { $0 == 0 ? "0 (every selected client)" : String($0) } ?? ""),
            ("clients required", config.clientsRequired.map(String.init) ?? ""),
            ("requested clients", config.requestedClients.map { $0 == 0 ? "0 (every active client)" : String($0) }
                ?? ""),
            ("validate", config.validate.map { $0 ? "yes" : "no" } ?? ""),
            ("client settings", settings.joined(separator: " ")),
        ]
    }

    private static func aggregator(_ config: SessionConfigDTO) -> String {
        let name = config.aggregator ?? "-"
        guard let params = config.aggregatorParams, !params.isEmpty else { return name }
        return "\(name) (\(Format.metrics(params)))"
    }
}
