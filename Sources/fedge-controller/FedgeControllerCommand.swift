import ArgumentParser

/// The control plane's program.
@main
struct FedgeControllerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fedge-controller",
        abstract: "Run the Fedge controller: sessions, rounds, the model trail, the REST API and the control socket.",
        discussion: """
            Combiners dial the controller's gRPC port (default 7701); operators use the REST API (default 7700, \
            with a token) or, on this host, the control socket $FEDGE_HOME/run/controller.sock (no token: its file \
            permissions are the authentication). State lives in $FEDGE_HOME/controller (SQLite in WAL mode and \
            content-addressed model blobs); a controller killed at any moment resumes where it was.
            """,
        subcommands: [ServeCommand.self, InitCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
