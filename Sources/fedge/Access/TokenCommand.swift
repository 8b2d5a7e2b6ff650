import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels
import FedgeSecurity
import Foundation

/// `fedge token`: tokens for people.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Create, list and revoke people's tokens (admin).",
        discussion: """
            A token names a person and a role (admin, operator, observer; `fedge roles` shows what each may do). \
            Its text is printed once; the controller keeps only its id. Pass it to commands with FEDGE_TOKEN or \
            --token-file, not on the command line, where `ps` shows it.
            """,
        subcommands: [TokenCreateCommand.self, TokenListCommand.self, TokenRevokeCommand.self]
    )
}

struct TokenCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Make a token; prints it once.")

    @Option(help: "admin, operator or observer.")
    var role: String

    @Option(help: "Whom the token names (the audit trail's actor).")
    var name: String

    @Option(help: "How long it lives: 90s, 45m, 12h, 30d, 1y.")
    var ttl: String = "30d"

    @OptionGroup var api: APIOptions

    func run() async throws {
        let lifetime: Duration
        do {
            lifetime = try TokenLifetime.parse(self.ttl)
        } catch {
            throw ValidationError(error.description)
        }
        let created = try await self.api.withClient {
            try await $0.createToken(
                CreateTokenRequest(role: self.role, name: self.name, ttlSeconds: Int(lifetime.components.seconds))
            )
        }
        self.api.print(created) {
            print(created.token)
            Output.printError(
                "token \(created.record.id) for \(created.record.subject) (\(created.record.role)), until \(API.formatDate(created.record.expiresAt)); it is shown only this once"
            )
        }
    }
}

struct TokenListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "The tokens issued (ids only).")

    @Flag(help: "Include expired tokens.")
    var all = false

    @OptionGroup var api: APIOptions

    func run() async throws {
        let page = try await self.api.withClient { try await $0.listTokens(all: self.all) }
        self.api.print(page) {
            var table = Table("ID", "SUBJECT", "ROLE", "EXPIRES", "REVOKED", "BY")
            for token in page.items {
                table.append(
                    token.id,
                    token.subject,
                    token.role,
                    API.formatDate(token.expiresAt),
                    token.revokedAt.map(API.formatDate) ?? "-",
                    token.createdBy
                )
            }
            Output.printTable(table, empty: "No tokens.")
        }
    }
}

struct TokenRevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke a token: every later call with it is refused, on the controller and every combiner."
    )

    @Argument(help: "The token's id (`fedge token list`).")
    var id: String

    @OptionGroup var api: APIOptions

    func run() async throws {
        let token = try await self.api.withClient { try await $0.revokeToken(self.id) }
        self.api.print(token) { print("revoked \(token.id) (\(token.subject), \(token.role))") }
    }
}

/// `fedge roles`: the access matrix.
struct RolesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roles",
        abstract: "Print the access matrix: what each role may do, on REST, gRPC and the control socket alike."
    )

    func run() {
        print(AccessPolicy.table())
        print(
            """

            The control socket grants admin to whoever can open it: its file mode (0600, in a 0700 directory) is the \
            boundary.
            """
        )
    }
}
