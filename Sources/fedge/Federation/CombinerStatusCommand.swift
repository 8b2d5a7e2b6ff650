import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels

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
            Output.printFields(
                [
                    ("address", status.address),
                    ("controller", (status.controller ?? "-") + (status.attached ? " (attached)" : " (detached)")),
                    (
                        "clients",
                        "\(status.clientsOnline) online, \(status.clientsStale) stale, \(status.clientsOffline) offline"
                    ),
                    ("updates", "\(status.updatesAccepted) accepted"),
                    ("refused", refused.joined(separator: " ")),
                ],
                indent: 2
            )
            if let round = status.round {
                print("")
                print("round \(round.session)/\(round.round) (\(round.kind))")
                Output.printFields(
                    [
                        ("updates", "\(round.received)/\(round.selected) received, \(round.failed) failed"),
                        ("minimum", String(round.minimum)),
                        ("buffer size", String(round.bufferSize)),
                        ("deadline", Format.relative(round.deadline)),
                    ],
                    indent: 2
                )
            }
        }
    }
}
