import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels
import Foundation

/// `fedge model`: the model trail on the controller.
struct ModelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "List, inspect, transfer, activate and verify models of the trail.",
        discussion: """
            Every model is named by the SHA-256 of its file; give ids whole or as a unique prefix. The trail \
            links each aggregated model to its parent and records who contributed to it.
            """,
        subcommands: [
            ModelListCommand.self, ModelShowCommand.self, ModelTrailCommand.self, ModelDownloadCommand.self,
            ModelUploadCommand.self, ModelActivateCommand.self, ModelVerifyCommand.self,
        ]
    )
}

/// `fedge model list`.
struct ModelListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List models, newest first.",
        discussion: "The active model, which new sessions start from, is marked with *."
    )

    @OptionGroup var api: APIOptions
    @OptionGroup var page: PageOptions

    @Option(help: "Only models this session made.")
    var session: String?

    func run() async throws {
        let models = try await self.api.withClient {
            try await $0.listModels(session: self.session, limit: self.page.limit, offset: self.page.offset)
        }
        self.api.print(models) {
            var table = Table("", "ID", "SESSION", "ROUND", "AGGREGATOR", "SIZE", "METRICS", "CREATED")
            for model in models.items {
                table.append(
                    model.active ? "*" : "",
                    Format.hash(model.id),
                    model.session ?? "-",
                    model.round.map(String.init) ?? "-",
                    model.aggregator ?? "seed",
                    Format.bytes(model.size),
                    Format.metrics(model.metrics),
                    Format.relative(model.createdAt)
                )
            }
            Output.printTable(table, empty: "No models; `fedge model upload FILE --activate` adds a seed.")
            Output.printPageNote(models)
        }
    }
}

/// `fedge model show ID`.
struct ModelShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a model with its contributions and metrics.",
        discussion: "Contributions are the client updates aggregated into the model, with their weights."
    )

    @OptionGroup var api: APIOptions

    @Argument(help: "The model id or a unique prefix of it.")
    var id: String

    func run() async throws {
        let model = try await self.api.withClient { try await $0.model(self.id) }
        self.api.print(model) {
            print("model \(model.id)\(model.active ? " (active)" : "")")
            Output.printFields(ModelFields.full(model), indent: 2)
            let contributions = model.contributions ?? []
            guard !contributions.isEmpty else { return }
            print("")
            var table = Table("CLIENT", "COMBINER", "WEIGHT", "UPDATE")
            for contribution in contributions.sorted(by: { $0.client < $1.client }) {
                table.append(
                    contribution.client,
                    contribution.combiner ?? "-",
                    Format.number(contribution.weight),
                    Format.hash(contribution.update)
                )
            }
            Output.printTable(table, empty: "")
        }
    }
}

/// `fedge model download ID --out FILE`.
struct ModelDownloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "download",
        abstract: "Download a model file.",
        discussion: "Streams the safetensors file to --out; the file appears only once it is complete."
    )

    @OptionGroup var api: APIOptions

    @Argument(help: "The model id or a unique prefix of it.")
    var id: String

    @Option(help: ArgumentHelp("Where to write the model (.safetensors).", valueName: "file"))
    var out: String

    func run() async throws {
        let (model, bytes) = try await self.api.withClient { client in
            let model = try await client.model(self.id)
            return (model, try await client.downloadModel(model.id, to: self.out))
        }
        self.api.print(DownloadReport(model: model.id, out: self.out, bytes: bytes)) {
            print("wrote \(self.out) (\(Format.bytes(bytes)), model \(Format.hash(model.id)))")
        }
    }
}

/// What `fedge model download --json` prints.
struct DownloadReport: Encodable {
    var model: String
    var out: String
    var bytes: Int64
}

/// `fedge model upload FILE`.
struct ModelUploadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload",
        abstract: "Upload a model file as a seed of the trail.",
        discussion: "Streams a safetensors file to the controller, which checks it and names it by its SHA-256."
    )

    @OptionGroup var api: APIOptions

    @Argument(help: "The model file (.safetensors).")
    var file: String

    @Flag(help: "Make it the active model, which new sessions start from.")
    var activate = false

    func validate() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: self.file, isDirectory: &isDirectory), !isDirectory.boolValue
        else {
            throw ValidationError("There is no file at \(self.file); give the path of a .safetensors model.")
        }
    }

    func run() async throws {
        let model = try await self.api.withClient { try await $0.uploadModel(from: self.file, activate: self.activate) }
        self.api.print(model) {
            print("model \(model.id)\(model.active ? " (active)" : "")")
            Output.printFields([("size", Format.bytes(model.size))], indent: 2)
        }
    }
}

/// `fedge model activate ID`.
struct ModelActivateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "activate",
        abstract: "Make a model the active one.",
        discussion: "New sessions start from the active model unless they name another with --model."
    )

    @OptionGroup var api: APIOptions

    @Argument(help: "The model id or a unique prefix of it.")
    var id: String

    func run() async throws {
        let model = try await self.api.withClient { try await $0.activate(model: self.id) }
        self.api.print(model) { print("active model \(model.id)") }
    }
}

/// `fedge model verify`.
struct ModelVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the model trail.",
        discussion: """
            The controller re-hashes every model file and checks each model's parent and contributions. Exits \
            with status 1 when it finds problems, and lists them.
            """
    )

    @OptionGroup var api: APIOptions

    func run() async throws {
        let check = try await self.api.withClient { try await $0.verifyTrail() }
        self.api.print(check) {
            if check.problems.isEmpty {
                print("trail ok: \(check.models) model\(check.models == 1 ? "" : "s") checked")
            } else {
                let count = check.problems.count
                print("trail has \(count) problem\(count == 1 ? "" : "s") (\(check.models) models checked):")
                for problem in check.problems { print("  - \(problem)") }
            }
        }
        if !check.problems.isEmpty { throw ExitCode.failure }
    }
}

/// The lines that describe a model.
enum ModelFields {
    static func full(_ model: ModelDTO) -> [(String, String)] {
        let origin: String
        if let session = model.session {
            origin = "session \(session)" + (model.round.map { " round \($0)" } ?? "")
        } else {
            origin = "uploaded (seed)"
        }
        return [
            ("parent", model.parent ?? ""),
            ("origin", origin),
            ("aggregator", model.aggregator ?? ""),
            ("size", Format.bytes(model.size)),
            ("total weight", model.totalWeight.map(Format.number) ?? ""),
            ("contributors", model.contributions.map { String($0.count) } ?? ""),
            ("metrics", model.metrics.isEmpty ? "" : Format.metrics(model.metrics)),
            ("created", "\(Format.timestamp(model.createdAt)) (\(Format.relative(model.createdAt)))"),
        ]
    }
}
