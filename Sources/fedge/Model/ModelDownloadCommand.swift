import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels
import Foundation

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
