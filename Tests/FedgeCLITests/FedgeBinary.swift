import FedgeTestSupport
import Foundation

/// Runs the real `fedge` executable that `swift test` built next to the test bundle.
enum FedgeBinary {
    static let path: String? = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("fedge").path
        let candidates = [beside, ExternalTools.repositoryRoot + "/.build/debug/fedge"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    static func run(_ arguments: [String]) throws -> ExternalTools.Output {
        guard let path = Self.path else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "the fedge executable was not built"])
        }
        return try ExternalTools.run(path, arguments)
    }
}
