import Foundation

/// Runs a compute package's entry points as child processes, following the FEDn contract:
/// `train <in-model> <out-model>` reads settings from `<in-model>-metadata` and writes `<out-model>-metadata`
/// (JSON with at least `num_examples`); `validate <in-model> <out.json>` writes a flat JSON object of metrics.
package struct ComputePackageTrainer: Trainer {
    package let package: ComputePackage
    /// How long an entry point may run before it is stopped; `nil` for no limit.
    package let timeout: Duration?
    /// The environment the entry points run with (see `PackageEnvironment`).
    package let environment: [String: String]

    package init(
        package: ComputePackage,
        timeout: Duration?,
        environment: [String: String] = PackageEnvironment.clean()
    ) {
        self.package = package
        self.timeout = timeout
        self.environment = environment
    }

    package var name: String { "package" }

    package func startup(log: @escaping @Sendable (String, String) -> Void) async throws {
        let environment = try await self.prepared(log: log)
        guard let command = self.package.entryPoints["startup"] else { return }
        let outcome = try await ChildProcess.run(
            entryPoint: "startup",
            command: command,
            arguments: [],
            directory: self.package.directory,
            timeout: self.timeout,
            environment: environment,
            log: log
        )
        guard outcome.status == 0 else {
            throw TrainerError.failed(entryPoint: "startup", status: outcome.status, lastLines: outcome.lastLines)
        }
    }

    package func train(_ input: TrainerInput) async throws -> TrainingResult {
        guard let command = self.package.entryPoints["train"] else { throw TrainerError.noEntryPoint("train") }
        let environment = try await self.prepared(log: input.log)
        // A FEDn package reads and writes .npz: convert at the boundary, arrays in the tensors' order.
        let npz = self.package.modelFormat == .npz
        let inModel = npz ? input.workDirectory.appendingPathComponent("global.npz") : input.model
        let outModel = npz ? input.workDirectory.appendingPathComponent("update.npz") : input.output
        if npz { try NumpyArchive.convert(safetensors: input.model.path, toNPZ: inModel.path) }
        try Self.writeSettings(input, model: inModel)
        let outcome = try await ChildProcess.run(
            entryPoint: "train",
            command: command,
            arguments: [inModel.path, outModel.path],
            directory: self.package.directory,
            timeout: self.timeout,
            environment: environment,
            log: input.log
        )
        guard outcome.status == 0 else {
            throw TrainerError.failed(entryPoint: "train", status: outcome.status, lastLines: outcome.lastLines)
        }
        guard FileManager.default.fileExists(atPath: outModel.path) else {
            throw TrainerError.badOutput("the train entry point wrote no model to \(outModel.lastPathComponent)")
        }
        if npz {
            do {
                try NumpyArchive.convert(npz: outModel.path, toSafetensors: input.output.path, like: input.model.path)
            } catch {
                throw TrainerError.badOutput("the model the train entry point wrote: \(error)")
            }
        }
        let url = URL(fileURLWithPath: outModel.path + "-metadata")
        let metadata = try Self.readJSON(url, what: "<out-model>-metadata")
        // FEDn packages nest it under training_metadata; Fedge's may put it at the top.
        let training = (metadata["training_metadata"] as? [String: Any]) ?? metadata
        guard let examples = (training["num_examples"] as? NSNumber)?.doubleValue, examples > 0 else {
            throw TrainerError.badOutput("<out-model>-metadata must hold a positive num_examples")
        }
        var metrics = Self.numbers(
            in: url,
            under: metadata["training_metadata"] is [String: Any] ? "training_metadata" : nil
        )
        metrics.removeValue(forKey: "num_examples")
        return TrainingResult(numExamples: examples, metrics: metrics)
    }

    package func validate(_ input: TrainerInput) async throws -> ValidationResult {
        guard let command = self.package.entryPoints["validate"] else { throw TrainerError.noEntryPoint("validate") }
        let environment = try await self.prepared(log: input.log)
        let npz = self.package.modelFormat == .npz
        let inModel = npz ? input.workDirectory.appendingPathComponent("global.npz") : input.model
        if npz { try NumpyArchive.convert(safetensors: input.model.path, toNPZ: inModel.path) }
        try Self.writeSettings(input, model: inModel)
        let report = input.workDirectory.appendingPathComponent("validation.json")
        let outcome = try await ChildProcess.run(
            entryPoint: "validate",
            command: command,
            arguments: [inModel.path, report.path],
            directory: self.package.directory,
            timeout: self.timeout,
            environment: environment,
            log: input.log
        )
        guard outcome.status == 0 else {
            throw TrainerError.failed(entryPoint: "validate", status: outcome.status, lastLines: outcome.lastLines)
        }
        _ = try Self.readJSON(report, what: "the validation output")
        let metrics = Self.numbers(in: report, under: nil)
        return ValidationResult(metrics: metrics, numExamples: metrics["num_examples"] ?? 0)
    }

    /// The entry points' environment: the clean one, with the package's Python environment when it names one.
    private func prepared(log: @escaping @Sendable (String, String) -> Void) async throws -> [String: String] {
        try await PythonEnvironment.prepare(
            self.package,
            environment: self.environment,
            timeout: self.timeout,
            log: log
        )
    }

    /// Writes `<in-model>-metadata`: the client settings at the top level and again under `client_settings`.
    private static func writeSettings(_ input: TrainerInput, model: URL) throws {
        let settings = (try? JSONSerialization.jsonObject(with: Data(input.settingsJSON.utf8))) as? [String: Any] ?? [:]
        var metadata = settings
        metadata["client_settings"] = settings
        let data = try JSONSerialization.data(withJSONObject: metadata, options: [.sortedKeys])
        try data.write(to: URL(fileURLWithPath: model.path + "-metadata"))
    }

    private static func readJSON(_ url: URL, what: String) throws -> [String: Any] {
        guard let data = try? Data(contentsOf: url) else {
            throw TrainerError.badOutput("the entry point wrote no \(what) (\(url.lastPathComponent))")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TrainerError.badOutput("\(what) is not a JSON object")
        }
        return object
    }

    /// The numeric entries of the JSON object in `url` (or of its object under `key`). Booleans are left out:
    /// read with `JSONDecoder`, which tells `true` from `1` (Foundation's `NSNumber` on Linux does not).
    private static func numbers(in url: URL, under key: String?) -> [String: Double] {
        guard let data = try? Data(contentsOf: url) else { return [:] }
        let decoder = JSONDecoder()
        let object: [String: JSONNumber]?
        if let key {
            object =
                (try? decoder.decode([String: [String: JSONNumber]].self, from: data))?[key]
                ?? (try? decoder.decode(Nested.self, from: data))?.values[key]
        } else {
            object = try? decoder.decode([String: JSONNumber].self, from: data)
        }
        return (object ?? [:]).compactMapValues(\.value)
    }
}

/// A JSON value that is kept when it is a number (not a boolean, string, array or object).
private struct JSONNumber: Decodable {
    var value: Double?

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if (try? container.decode(Bool.self)) != nil {
            self.value = nil
        } else {
            self.value = try? container.decode(Double.self)
        }
    }
}

/// A JSON object of objects and other values: the objects' numbers, by key.
private struct Nested: Decodable {
    var values: [String: [String: JSONNumber]] = [:]

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        for key in container.allKeys {
            if let object = try? container.decode([String: JSONNumber].self, forKey: key) {
                self.values[key.stringValue] = object
            }
        }
    }
}
