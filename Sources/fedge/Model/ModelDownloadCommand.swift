import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels
import FedgeEdge
import Foundation

/// `fedge model download ID --out FILE`.
struct ModelDownloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "download",
        abstract: "Download a model file.",
        discussion: """
            Streams the safetensors file to --out; the file appears only once it is complete. With --format npz it \
            is converted to NumPy's .npz as FEDn's numpyhelper reads it (arrays "0", "1", … in the tensors' order).
            """
    )

    @OptionGroup var api: APIOptions

    @Argument(help: "The model id or a unique prefix of it.")
    var id: String

    @Option(help: ArgumentHelp("Where to write the model (.safetensors).", valueName: "file"))
    var out: String

    @Option(help: "safetensors, or npz (for FEDn packages and NumPy).")
    var format: String = "safetensors"

    func validate() throws {
        guard ["safetensors", "npz"].contains(self.format) else {
            throw ValidationError("--format is safetensors or npz, not '\(self.format)'.")
        }
    }

    func run() async throws {
        let npz = self.format == "npz"
        let target = npz ? self.out + ".download-\(UUID().uuidString.prefix(8))" : self.out
        defer { if npz { try? FileManager.default.removeItem(atPath: target) } }
        var (model, bytes) = try await self.api.withClient { client in
            let model = try await client.model(self.id)
            return (model, try await client.downloadModel(model.id, to: target))
        }
        if npz {
            do {
                try NumpyArchive.convert(safetensors: target, toNPZ: self.out)
            } catch {
                throw ValidationError("Cannot write the model as .npz: \(error)")
            }
            bytes = (try? FileManager.default.attributesOfItem(atPath: self.out)[.size] as? NSNumber)?.int64Value ?? 0
        }
        self.api.print(DownloadReport(model: model.id, out: self.out, bytes: bytes)) {
            print("wrote \(self.out) (\(Format.bytes(bytes)), model \(Format.hash(model.id)))")
        }
    }
}
