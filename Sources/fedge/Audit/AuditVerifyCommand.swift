import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels

/// `fedge audit verify`.
struct AuditVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the audit trail's hash chain.",
        discussion:
            "The controller recomputes every entry's hash from its fields and the hash before it. Exits with status 1 and names the first entry that does not fit when the chain is broken."
    )

    @OptionGroup var api: APIOptions

    func run() async throws {
        let check = try await self.api.withClient { try await $0.verifyAuditTrail() }
        self.api.print(check) {
            if let broken = check.brokenAt {
                print(
                    "audit trail broken at event \(broken): that entry was changed, or the one before it removed; sound up to hash \(check.head)"
                )
            } else {
                print("audit trail ok: \(check.events) event\(check.events == 1 ? "" : "s") chained")
                print("head \(check.head) (keep it elsewhere to anchor the trail)")
            }
        }
        if check.brokenAt != nil { throw ExitCode.failure }
    }
}
