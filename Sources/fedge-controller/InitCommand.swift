import ArgumentParser
import FedgeController
import FedgeSecurity
import FedgeServerKit
import FedgeStore
import Foundation

/// `fedge-controller init`: the state directory, the database, the PKI and a first admin token.
struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract:
            "Create the controller's state, its private CA and TLS certificate, the token signing key and an admin token.",
        discussion: """
            Everything lives under $FEDGE_HOME/controller (0700; secrets 0600). Files that exist are kept, so init \
            is safe to run again. To bring your own CA and certificate, put their PEM files in controller/pki under \
            the names init prints (ca.pem, ca-key.pem, controller.pem, controller-key.pem) before running it.
            """
    )

    @Option(help: "The state root (default: $FEDGE_HOME, else ~/.local/share/fedge).")
    var home: String?

    @Option(
        name: .customLong("host"),
        help:
            "A name or address nodes reach the controller by (repeat; the host name, localhost and 127.0.0.1 are always in)."
    )
    var hosts: [String] = []

    func run() async throws {
        let home = self.home.map { FedgeHome(root: URL(fileURLWithPath: $0)) } ?? FedgeHome.fromEnvironment()
        let directory = home.controllerDirectory
        for folder in [directory, home.runDirectory] {
            try FileManager.default.createDirectory(
                at: folder,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
        }
        let database = try FedgeDatabase(path: directory.appendingPathComponent("state.sqlite").path)
        let pki = ControllerPKI(directory: directory.appendingPathComponent("pki"))
        let report = try pki.create(hosts: self.hosts)
        for path in report.made { print("made   \(path)") }
        for path in report.kept { print("kept   \(path)") }

        let tokenPath = directory.appendingPathComponent("admin-token").path
        if FileManager.default.fileExists(atPath: tokenPath) {
            print("kept   \(tokenPath)")
        } else {
            let (token, claims) = try await pki.issuer().issue(
                subject: "admin",
                role: .admin,
                ttl: TokenLifetime.nodes
            )
            try await database.insertToken(TokenRecord(claims, createdBy: "init"))
            try await database.appendAuditEvent(
                kind: "token.created",
                actor: "init",
                subject: claims.id,
                message: "Token \(claims.id) made for admin as admin by fedge-controller init"
            )
            try SecretFile.write(Data(token.utf8), to: tokenPath)
            print("made   \(tokenPath) (an admin token, id \(claims.id))")
        }
        print(
            """

            State:          \(directory.path) (migrations: \(try await database.appliedMigrations().joined(separator: ", ")))
            Control socket: \(home.controllerSocket) (admin for whoever can open it; made by `serve`)

            Next:
              fedge-controller serve                                  # gRPC :7701 (mTLS), REST :7700 (TLS + tokens)
              export FEDGE_TOKEN_FILE=\(tokenPath)    # or --token-file; people's tokens: fedge token create
              fedge combiner enroll edge-1 --host edge-1.example.org --out edge-1.kit
              fedge client enroll site-1 --out site-1.kit             # or --count 100 --prefix site- --out kits/
              fedge-combiner serve --kit edge-1.kit                   # on the combiner's machine
              fedge-client run --kit site-1.kit --trainer noop        # on the client's machine
            """
        )
    }
}
