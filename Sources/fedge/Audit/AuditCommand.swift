import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels

/// `fedge audit`: the audit trail and its hash chain.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "List the audit trail (who did what, refusals too) and check its hash chain.",
        discussion: """
            Every state change at the controller (sessions created, started, stopped; rounds; models uploaded and \
            activated; combiners attaching and leaving) is an event in an append-only trail whose entries are \
            chained by SHA-256: changing or removing any entry breaks every hash after it.
            """,
        subcommands: [AuditListCommand.self, AuditVerifyCommand.self]
    )
}
