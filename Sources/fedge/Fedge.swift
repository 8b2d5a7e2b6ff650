import ArgumentParser

/// The operator CLI.
@main
struct Fedge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fedge",
        abstract: "Operate a Fedge federated learning deployment.",
        discussion: """
            Fedge trains models across machines whose data never leaves them. This command is the operator's \
            tool: it starts and follows training sessions, inspects and verifies the model trail, lists the \
            combiners and clients of a deployment, and follows its audit events, all through the controller's \
            REST API (its control socket by default, or --url). It also aggregates model files offline, \
            measures the aggregation kernels and whole rounds, and exports the built-in datasets.
            """,
        subcommands: [
            SessionCommand.self, ModelCommand.self, RoundCommand.self, ClientCommand.self, CombinerCommand.self,
            ConsoleCommand.self, EventsCommand.self, AuditCommand.self, DemoCommand.self, AggregateCommand.self,
            BenchCommand.self, TokenCommand.self, RolesCommand.self, PackageCommand.self, DatasetCommand.self,
        ]
    )
}
