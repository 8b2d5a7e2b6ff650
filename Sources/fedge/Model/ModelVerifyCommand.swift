import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels
import Foundation

/// `fedge model verify`.
struct ModelVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the model trail.",
        discussion: """
            The controller re-hashes every model file and checks each model's parent and contributions. Exits \
            with status 1 when it finds problems, and lists them.
            """
    )

    @OptionGroup var api: APIOptions

    func run() async throws {
        let check = try await self.api.withClient { try await $0.verifyTrail() }
        self.api.print(check) {
            if check.problems.isEmpty {
                print("trail ok: \(check.models) model\(check.models == 1 ? "" : "s") checked")
            } else {
                let count = check.problems.count
                print("trail has \(count) problem\(count == 1 ? "" : "s") (\(check.models) models checked):")
                for problem in check.problems { print("  - \(problem)") }
            }
        }
        if !check.problems.isEmpty { throw ExitCode.failure }
    }
}
