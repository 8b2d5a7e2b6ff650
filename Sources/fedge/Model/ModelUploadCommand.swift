import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels
import Foundation

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
