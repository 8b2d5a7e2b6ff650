import FedgeTestSupport
import Foundation

/// Runs the real `fedge` executable that `swift test` built next to the test bundle.
enum FedgeBinary {
    static func run(_ arguments: [String]) async throws -> ExternalTools.Output {
        guard let path = ExternalTools.builtExecutable("fedge") else {
            throw CocoaError(
                .fileNoSuchFile,
                userInfo: [NSLocalizedDescriptionKey: "the fedge executable was not built"]
            )
        }
        return try await ExternalTools.run(path, arguments)
    }
}
