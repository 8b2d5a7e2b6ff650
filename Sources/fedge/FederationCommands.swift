import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels

/// `fedge client`: the edge clients the combiners know.
struct ClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client",
        abstract: "List the edge clients.",
        discussion: """
            Clients are online while they heartbeat, stale after a silence (and given no new tasks), then offline.
            """,
        subcommands: [ClientListCommand.self]
    )
}

/// `fedge client list`.
struct ClientListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List edge clients with their liveness and last telemetry.",
        discussion: "CPU and memory come from each client's last heartbeat."
    )

    @OptionGroup var api: APIOptions
    @OptionGroup var page: PageOptions

    @Option(help: "Only clients with this status: online, stale or offline.")
    var status: String?

    @Option(help: "Only clients of this combiner.")
    var combiner: String?

    func run() async throws {
        let clients = try await self.api.withClient {
            try await $0.listClients(
                status: self.status,
                combiner: self.combiner,
                limit: self.page.limit,
                offset: self.page.offset
            )
        }
        self.api.print(clients) {
            var table = Table("NAME", "COMBINER", "STATUS", "LAST SEEN", "TASKS", "FAILED", "CPU", "MEMORY")
            for client in clients.items {
                table.append(
                    client.name,
                    client.combiner ?? "-",
                    client.status,
                    Format.relative(client.lastSeen),
                    String(client.tasksDone),
                    String(client.tasksFailed),
                    client.telemetry.map { Format.number(($0.cpuPercent * 10).rounded() / 10) + "%" } ?? "-",
                    client.telemetry.map(Self.memory) ?? "-"
                )
            }
            Output.printTable(table, empty: "No clients have connected.")
            Output.printPageNote(clients)
        }
    }

    /// `1.0 GiB/8.0 GiB`.
    static func memory(_ telemetry: TelemetryDTO) -> String {
        let used = Format.bytes(Int64(clamping: telemetry.memoryUsedBytes))
        return used + "/" + Format.bytes(Int64(clamping: telemetry.memoryTotalBytes))
    }
}

/// `fedge combiner`: the combiners attached to the controller.
struct CombinerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "combiner",
        abstract: "List combiners, or show one combiner's own status.",
        discussion: "Combiners sit between the controller and the edge clients, and reduce their updates.",
        subcommands: [CombinerListCommand.self, CombinerStatusCommand.self]
    )
}

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

/// `fedge combiner status NAME`: asks a combiner on its own control socket.
struct CombinerStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a combiner's own status, from its control socket.",
        discussion: """
            Connects to $FEDGE_HOME/run/combiner-NAME.sock (or --socket) on this machine, not to the controller.
            """
    )

    @OptionGroup var api: APIOptions

    @Argument(help: "The combiner's name.")
    var name: String

    func run() async throws {
        let socket = APIEndpoint.defaultCombinerSocket(name: self.name)
        let status = try await self.api.withClient(daemon: .combiner, defaultSocket: socket) {
            try await $0.combinerStatus()
        }
        self.api.print(status) {
            print("combiner \(status.name)")
            let refused = status.updatesRefused.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            Output.printFields([
                ("address", status.address),
                ("controller", (status.controller ?? "-") + (status.attached ? " (attached)" : " (detached)")),
                (
                    "clients",
                    "\(status.clientsOnline) online, \(status.clientsStale) stale, \(status.clientsOffline) offline"
                ),
                ("updates", "\(status.updatesAccepted) accepted"),
                ("refused", refused.joined(separator: " ")),
            ], indent: 2)
            if let round = status.round {
                print("")
                print("round \(round.session)/\(round.round) (\(round.kind))")
                Output.printFields([
                    ("updates", "\(round.received)/\(round.selected) received, \(round.failed) failed"),
                    ("minimum", String(round.minimum)),
                    ("buffer size", String(round.bufferSize)),
                    ("deadline", Format.relative(round.deadline)),
                ], indent: 2)
            }
        }
    }
}
