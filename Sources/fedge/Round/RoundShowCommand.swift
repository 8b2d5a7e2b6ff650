import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels
import Foundation

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
            Output.printFields(
                [
                    ("updates", "\(round.received)/\(round.expected) received, \(round.minimum) needed"),
                    ("started", "\(Format.timestamp(round.startedAt)) (\(Format.relative(round.startedAt)))"),
                    ("duration", RoundFields.duration(round)),
                    ("deadline", round.endedAt == nil ? (round.deadline.map { Format.relative($0) } ?? "") : ""),
                    ("model", round.model ?? ""),
                    ("reason", round.reason ?? ""),
                    ("phases", RoundFields.phases(round)),
                ],
                indent: 2
            )
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
