import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels
import Foundation

/// Where the API commands find the controller, and how they print: shared by every command that talks to it.
struct APIOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The controller's control socket (default: $FEDGE_HOME/run/controller.sock).",
            valueName: "path"
        )
    )
    var socket: String?

    @Option(
        help: ArgumentHelp(
            "The controller's REST URL, e.g. https://controller.example.org:8443, instead of the socket.",
            valueName: "url"
        )
    )
    var url: String?

    @Option(
        help: ArgumentHelp(
            "The bearer token for --url. Prefer FEDGE_TOKEN or --token-file: a token on the command line shows in `ps`.",
            valueName: "token"
        )
    )
    var token: String?

    @Option(
        help: ArgumentHelp(
            "A file holding the token for --url (default: $FEDGE_TOKEN_FILE; else the token in $FEDGE_TOKEN).",
            valueName: "file"
        )
    )
    var tokenFile: String?

    @Option(
        help: ArgumentHelp(
            "PEM file of the CA that signed the controller's certificate, for an https --url (default: $FEDGE_CA, else the system's roots).",
            valueName: "file"
        )
    )
    var ca: String?

    @Flag(help: "Print the API's JSON instead of tables.")
    var json = false

    func validate() throws {
        if self.socket != nil, self.url != nil {
            throw ValidationError("Give either --socket or --url, not both.")
        }
        if let ca = self.ca, !FileManager.default.fileExists(atPath: ca) {
            throw ValidationError("No CA certificate at \(ca).")
        }
        if let url = self.url {
            do {
                _ = try APIEndpoint.url(url)
            } catch {
                throw ValidationError(error.description)
            }
        }
    }

    /// The endpoint the flags and environment name.
    func endpoint(daemon: APIEndpoint.Daemon = .controller, defaultSocket: String? = nil) throws -> APIEndpoint {
        let environment = ProcessInfo.processInfo.environment
        if self.token != nil {
            Output.printError("warning: a token given with --token shows in `ps`; use FEDGE_TOKEN or --token-file")
        }
        if let url = self.url {
            // Tokens matter only over --url: the control socket's file mode is its boundary.
            let file = self.tokenFile ?? environment["FEDGE_TOKEN_FILE"].flatMap { $0.isEmpty ? nil : $0 }
            let fromFile = try file.map { path in
                do {
                    return try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(
                        in: .whitespacesAndNewlines
                    )
                } catch {
                    throw ValidationError("Cannot read the token file \(path).")
                }
            }
            let token = self.token ?? fromFile ?? environment["FEDGE_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
            do {
                let ca = self.ca ?? environment["FEDGE_CA"].flatMap { $0.isEmpty ? nil : $0 }
                return try APIEndpoint.url(url, token: token, daemon: daemon, trustRoots: ca)
            } catch {
                throw ValidationError(error.description)
            }
        }
        let socket = self.socket ?? defaultSocket ?? APIEndpoint.defaultControllerSocket(environment: environment)
        return APIEndpoint.unixSocket(socket, token: nil, daemon: daemon)
    }

    /// Runs `body` with a client for the endpoint; an ``APIClientError`` is printed as its sentence on stderr and
    /// ends the command with exit code 1.
    func withClient<Result>(
        daemon: APIEndpoint.Daemon = .controller,
        defaultSocket: String? = nil,
        _ body: (APIClient) async throws -> Result
    ) async throws -> Result {
        let endpoint = try self.endpoint(daemon: daemon, defaultSocket: defaultSocket)
        do {
            return try await APIClient.withClient(endpoint: endpoint, body)
        } catch let error as APIClientError {
            Output.printError(error.description)
            throw ExitCode.failure
        }
    }

    /// Prints `value` as pretty JSON when `--json` is set, else calls `human`.
    func print<Value: Encodable>(_ value: Value, human: () -> Void) {
        if self.json {
            Output.printJSON(value)
        } else {
            human()
        }
    }
}
