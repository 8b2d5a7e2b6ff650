import ArgumentParser

/// The operator CLI.
@main
struct Fedge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fedge",
        abstract: "Operate a Fedge federated learning deployment.",
        discussion: """
            Fedge trains models across machines whose data never leaves them. This command is the operator's \
            tool: it aggregates model files offline and measures the aggregation kernels; the controller, \
            session and console commands join it as the platform grows.
            """,
        subcommands: [AggregateCommand.self, BenchCommand.self]
    )
}
