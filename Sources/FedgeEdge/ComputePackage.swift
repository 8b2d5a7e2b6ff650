package import Foundation
import Yams

/// A compute package: a directory with a manifest (`fedge.yaml`, or FEDn's `fedn.yaml`) naming the commands that
/// train, validate, predict and start up.
///
/// ```yaml
/// entry_points:
///   train:
///     command: python train.py
///   validate:
///     command: python validate.py
/// ```
package struct ComputePackage: Sendable, Hashable {
    /// The package directory; entry points run with it as their working directory.
    package var directory: URL
    /// The manifest file that was read.
    package var manifest: URL
    /// Entry point name → shell command.
    package var entryPoints: [String: String]
    /// How models reach the entry points: safetensors files, or NumPy `.npz` archives (FEDn's `numpyhelper`; the
    /// default for a `fedn.yaml` package, or `model_format: npz`).
    package var modelFormat: ModelFormat
    /// The package's Python environment file (FEDn's `python_env`), relative to the package, if it names one.
    package var pythonEnvironment: String?

    /// The model files a package reads and writes.
    package enum ModelFormat: String, Sendable, Hashable {
        case safetensors
        case npz
    }

    /// The manifest names Fedge looks for, in order.
    package static let manifestNames = ["fedge.yaml", "fedge.yml", "fedn.yaml", "fedn.yml"]

    /// Reads the manifest of the package in `directory`.
    ///
    /// - Throws: `TrainerError.badManifest` naming what is wrong.
    package init(directory: URL) throws(TrainerError) {
        guard
            let manifest = Self.manifestNames.lazy.map({ directory.appendingPathComponent($0) })
                .first(where: { FileManager.default.fileExists(atPath: $0.path) })
        else {
            throw .badManifest(path: directory.path, reason: "it has no fedge.yaml (or fedn.yaml)")
        }
        let text: String
        do {
            text = try String(contentsOf: manifest, encoding: .utf8)
        } catch {
            throw .badManifest(path: manifest.path, reason: "it cannot be read: \(error.localizedDescription)")
        }
        let parsed: Any?
        do {
            parsed = try Yams.load(yaml: text)
        } catch {
            throw .badManifest(path: manifest.path, reason: "it is not valid YAML: \(error)")
        }
        guard let root = parsed as? [String: Any], let points = root["entry_points"] as? [String: Any] else {
            throw .badManifest(path: manifest.path, reason: "it lacks an 'entry_points' map")
        }
        var entryPoints: [String: String] = [:]
        for (name, value) in points {
            guard let command = (value as? [String: Any])?["command"] as? String, !command.isEmpty else {
                throw .badManifest(path: manifest.path, reason: "entry point '\(name)' lacks a 'command'")
            }
            entryPoints[name] = command
        }
        guard entryPoints["train"] != nil || entryPoints["validate"] != nil else {
            throw .badManifest(path: manifest.path, reason: "it names neither a 'train' nor a 'validate' entry point")
        }
        let fedn = manifest.lastPathComponent.hasPrefix("fedn.")
        let format = root["model_format"] as? String ?? (fedn ? "npz" : "safetensors")
        guard let modelFormat = ModelFormat(rawValue: format) else {
            throw .badManifest(path: manifest.path, reason: "model_format '\(format)' is not safetensors or npz")
        }
        if let environment = root["python_env"] as? String {
            guard !environment.hasPrefix("/"), !environment.split(separator: "/").contains("..") else {
                throw .badManifest(path: manifest.path, reason: "python_env must name a file inside the package")
            }
            self.pythonEnvironment = environment
        }
        self.directory = directory
        self.manifest = manifest
        self.entryPoints = entryPoints
        self.modelFormat = modelFormat
    }
}
