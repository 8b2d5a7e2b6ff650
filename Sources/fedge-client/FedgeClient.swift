import ArgumentParser

/// The edge node's program.
@main
struct FedgeClient: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fedge-client",
        abstract: "Run a Fedge edge client: connect out to a combiner and train on local data.",
        discussion: """
            The client dials out (it opens no port), announces itself, heartbeats, and runs the tasks its \
            combiner sends, one at a time, through a compute package or a built-in trainer. After any failure it \
            reconnects with exponential backoff.
            """,
        subcommands: [RunCommand.self],
        defaultSubcommand: RunCommand.self
    )
}
