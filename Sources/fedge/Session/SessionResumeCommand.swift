import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels
import Foundation

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
