import ArgumentParser

/// The combiner daemon.
@main
struct FedgeCombinerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fedge-combiner",
        abstract: "Run a Fedge combiner: serve a subset of clients and reduce their updates.",
        discussion: """
            A combiner accepts client connections, tracks their liveness, runs round plans (select clients, send \
            tasks, collect updates until the buffer is full or the deadline passes) and folds each update into a \
            streaming aggregate, with memory flat in the number of clients.
            """,
        subcommands: [ServeCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
