import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels
import Foundation

/// `fedge session start`: creates a training session on the controller.
struct SessionStartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Create a training session and queue it.",
        discussion: """
            Sends a session config to the controller, which fills in every default, queues the session and runs \
            its rounds when no other session is running. Start from a JSON file with --config (snake_case keys, \
            as `fedge session show --json` prints them) and override its fields with the flags.

            Aggregators: fedavg, fedavgm, fedadam, fedyogi, fedadagrad, fedmedian, fedtrimmedavg, krum, multikrum.
            """
    )

    @OptionGroup var api: APIOptions

    @Option(help: "The aggregator (default: fedavg).")
    var aggregator: String?

    @Option(
        name: .customLong("param"),
        help: ArgumentHelp(
            "An aggregator parameter as NAME=NUMBER, e.g. --param eta=0.05. Repeatable.",
            valueName: "name=number"
        )
    )
    var parameters: [String] = []

    @Option(help: "How many rounds to run (default: 5).")
    var rounds: Int?

    @Option(help: ArgumentHelp("How long a round may take, in seconds (default: 180).", valueName: "seconds"))
    var roundTimeout: Double?

    @Option(help: "Close a round after this many updates (default: 0, wait for every selected client).")
    var bufferSize: Int?

    @Option(help: "The fewest updates for a round to count (default: 1).")
    var clientsRequired: Int?

    @Option(help: "How many clients to ask each round (default: 0, every active client).")
    var requestedClients: Int?

    @Option(help: "The most examples one update may claim; larger claims are refused (default: 1e7).")
    var maxNumExamples: Double?

    @Flag(
        name: .customLong("validate"),
        inversion: .prefixedNo,
        help: "Validate each new model on the clients (default: on)."
    )
    var validateModels: Bool?

    @Option(help: "The model to start from, as an id or unique prefix (default: the active model).")
    var model: String?

    @Option(
        help:
            "The compute package clients without their own trainer run, as an id or prefix (default: the active package)."
    )
    var package: String?

    @Option(
        name: .customLong("setting"),
        help: ArgumentHelp(
            "A setting passed to every trainer as NAME=VALUE, e.g. --setting epochs=2; VALUE is read as JSON when "
                + "it is JSON, else as a string. Repeatable.",
            valueName: "name=value"
        )
    )
    var settings: [String] = []

    @Option(help: ArgumentHelp("A session config as JSON, which the flags override.", valueName: "file.json"))
    var config: String?

    func validate() throws {
        _ = try self.sessionConfig()
        if let rounds = self.rounds, rounds < 1 {
            throw ValidationError("--rounds must be at least 1; got \(rounds).")
        }
        if let timeout = self.roundTimeout, !(timeout > 0) {
            throw ValidationError("--round-timeout must be a positive number of seconds; got \(timeout).")
        }
        for (flag, value) in [
            ("--buffer-size", self.bufferSize), ("--clients-required", self.clientsRequired),
            ("--requested-clients", self.requestedClients),
        ] {
            if let value, value < 0 {
                throw ValidationError("\(flag) cannot be negative; got \(value).")
            }
        }
    }

    func run() async throws {
        let config = try self.sessionConfig()
        let session = try await self.api.withClient { try await $0.createSession(config) }
        self.api.print(session) {
            print("session \(session.id) \(session.status)")
            Output.printFields(SessionFields.summary(session), indent: 2)
        }
    }

    /// The config file, if any, overridden by the flags.
    func sessionConfig() throws -> SessionConfigDTO {
        var config = try self.config.map(Self.readConfig) ?? SessionConfigDTO()
        if let aggregator = self.aggregator { config.aggregator = aggregator }
        if !self.parameters.isEmpty {
            var values = config.aggregatorParams ?? [:]
            for parameter in self.parameters {
                let (name, text) = try Self.split(parameter, flag: "--param", example: "eta=0.05")
                guard let value = Double(text), value.isFinite else {
                    throw ValidationError("--param '\(parameter)' is not NAME=NUMBER, e.g. --param eta=0.05.")
                }
                values[name] = value
            }
            config.aggregatorParams = values
        }
        if let rounds = self.rounds { config.rounds = rounds }
        if let timeout = self.roundTimeout { config.roundTimeout = timeout }
        if let size = self.bufferSize { config.bufferSize = size }
        if let required = self.clientsRequired { config.clientsRequired = required }
        if let requested = self.requestedClients { config.requestedClients = requested }
        if let ceiling = self.maxNumExamples { config.maxNumExamples = ceiling }
        if let validate = self.validateModels { config.validate = validate }
        if let model = self.model { config.modelId = model }
        if let package = self.package { config.packageId = package }
        if !self.settings.isEmpty {
            var values = config.clientSettings ?? [:]
            for setting in self.settings {
                let (name, text) = try Self.split(setting, flag: "--setting", example: "epochs=2")
                values[name] = Self.jsonValue(text)
            }
            config.clientSettings = values
        }
        return config
    }

    /// `text` as JSON when it parses (a number, `true`, `[1,2]`, `"quoted"`), else as a string.
    static func jsonValue(_ text: String) -> JSONValue {
        (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))) ?? .string(text)
    }

    private static func split(_ argument: String, flag: String, example: String) throws -> (String, String) {
        let parts = argument.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty else {
            throw ValidationError("\(flag) '\(argument)' is not NAME=VALUE, e.g. \(flag) \(example).")
        }
        return (parts[0], parts[1])
    }

    private static func readConfig(_ path: String) throws -> SessionConfigDTO {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ValidationError("--config \(path) cannot be read: \(error.localizedDescription)")
        }
        do {
            return try API.makeDecoder().decode(SessionConfigDTO.self, from: data)
        } catch let error as DecodingError {
            throw ValidationError("--config \(path) is not a session config: \(Self.describe(error)).")
        } catch {
            throw ValidationError("--config \(path) is not a session config: \(error).")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context),
            .dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            let underlying = (context.underlyingError as? NSError)?.userInfo[NSDebugDescriptionErrorKey] as? String
            var detail = underlying ?? context.debugDescription
            while detail.hasSuffix(".") { detail.removeLast() }
            return path.isEmpty ? detail : "\(detail) (at \(path))"
        @unknown default:
            return "\(error)"
        }
    }
}
