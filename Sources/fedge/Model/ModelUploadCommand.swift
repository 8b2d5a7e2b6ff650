import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels
import FedgeEdge
import Foundation

/// `fedge model upload FILE`.
struct ModelUploadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload",
        abstract: "Upload a model file as a seed of the trail.",
        discussion: """
            Streams a safetensors file to the controller, which checks it and names it by its SHA-256. A NumPy .npz \
            (a FEDn seed model, as numpyhelper writes it) is converted first: its arrays become tensors named \
            0, 1, … in their order, dtypes kept.
            """
    )

    @OptionGroup var api: APIOptions

    @Argument(help: "The model file (.safetensors, or .npz).")
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
        var file = self.file
        if self.file.hasSuffix(".npz") {
            file =
                FileManager.default.temporaryDirectory.appendingPathComponent(
                    "fedge-upload-\(UUID().uuidString.prefix(8)).safetensors"
                ).path
            do {
                try NumpyArchive.convert(npz: self.file, toSafetensors: file)
            } catch {
                throw ValidationError("\(self.file): \(error)")
            }
        }
        defer { if file != self.file { try? FileManager.default.removeItem(atPath: file) } }
        let path = file
        let model = try await self.api.withClient { try await $0.uploadModel(from: path, activate: self.activate) }
        self.api.print(model) {
            print("model \(model.id)\(model.active ? " (active)" : "")")
            Output.printFields([("size", Format.bytes(model.size))], indent: 2)
        }
    }
}
