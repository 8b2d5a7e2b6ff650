import ArgumentParser
import FedgeServerKit
import FedgeStore
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `fedge-controller init`: the state directory, the database and an API token.
struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the controller's state directory, database and REST API token."
    )

    @Option(help: "The state root (default: $FEDGE_HOME, else ~/.local/share/fedge).")
    var home: String?

    func run() async throws {
        let home = self.home.map { FedgeHome(root: URL(fileURLWithPath: $0)) } ?? FedgeHome.fromEnvironment()
        let directory = home.controllerDirectory
        try FileManager.default.createDirectory(
            at: directory,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        try FileManager.default.createDirectory(
            at: home.runDirectory,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        let database = try FedgeDatabase(path: directory.appendingPathComponent("state.sqlite").path)
        let tokenPath = directory.appendingPathComponent("api-token").path
        if FileManager.default.fileExists(atPath: tokenPath) {
            print("API token kept:   \(tokenPath)")
        } else {
            try APIToken.generate().write(toFile: tokenPath, atomically: true, encoding: .utf8)
            _ = chmod(tokenPath, 0o600)
            print("API token:        \(tokenPath) (send it with --token for the REST API over TCP)")
        }
        print(
            "State:            \(directory.path) (migrations: \(try await database.appliedMigrations().joined(separator: ", ")))"
        )
        print("Control socket:   \(home.controllerSocket) (created by `fedge-controller serve`)")
        print("Next: fedge-controller serve, then fedge model upload SEED.safetensors --activate")
    }
}
