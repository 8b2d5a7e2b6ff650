import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels
import Foundation

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
