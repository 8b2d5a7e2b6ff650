import FedgeCore
import Foundation

/// Why a training or validation run failed, as reported to the combiner.
package enum TrainerError: Error, Hashable, CustomStringConvertible {
    /// The compute package's manifest is missing or malformed.
    case badManifest(path: String, reason: String)
    /// The package has no entry point for this kind of task.
    case noEntryPoint(String)
    /// The entry point exited with a non-zero status.
    case failed(entryPoint: String, status: Int32, lastLines: [String])
    /// The entry point ran past its timeout and was killed.
    case timedOut(entryPoint: String, seconds: Double)
    /// The entry point did not write what the contract asks for.
    case badOutput(String)

    package var description: String {
        switch self {
        case .badManifest(let path, let reason):
            "the compute package manifest \(path) is not usable: \(reason)"
        case .noEntryPoint(let name):
            "the compute package has no '\(name)' entry point; add it under entry_points in fedge.yaml"
        case .failed(let entryPoint, let status, let lastLines):
            "the '\(entryPoint)' entry point exited with status \(status)"
                + (lastLines.isEmpty ? "" : "; its last output: " + lastLines.joined(separator: " | "))
        case .timedOut(let entryPoint, let seconds):
            "the '\(entryPoint)' entry point ran longer than \(Int(seconds)) s and was stopped"
        case .badOutput(let reason):
            "the training run's output is not usable: \(reason)"
        }
    }
}
