import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels

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
