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
        let metadata = try Self.readJSON(
            URL(fileURLWithPath: outModel.path + "-metadata"),
            what: "<out-model>-metadata"
        )
        // FEDn's save_metadata writes the object flat; its client (and Fedge packages) may nest it under
        // training_metadata.
        let training = metadata.objects["training_metadata"] ?? metadata.numbers
        guard let examples = training["num_examples"], examples > 0 else {
            throw TrainerError.badOutput("<out-model>-metadata must hold a positive num_examples")
        }
        var metrics = training
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
        let metrics = try Self.readJSON(report, what: "the validation output").numbers
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

    /// The JSON object in `url`: its numbers, and the numbers of the objects it holds. Read with `JSONDecoder`,
    /// which tells `true` from `1` (Foundation's `NSNumber` on Linux does not), so booleans are left out.
    private static func readJSON(_ url: URL, what: String) throws -> JSONNumbers {
        guard let data = try? Data(contentsOf: url) else {
            throw TrainerError.badOutput("the entry point wrote no \(what) (\(url.lastPathComponent))")
        }
        guard let object = try? JSONDecoder().decode(JSONNumbers.self, from: data) else {
            throw TrainerError.badOutput("\(what) is not a JSON object")
        }
        return object
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

/// A JSON object's numbers, and the numbers of the objects it holds, by key.
private struct JSONNumbers: Decodable {
    var numbers: [String: Double] = [:]
    var objects: [String: [String: Double]] = [:]

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
                self.objects[key.stringValue] = object.compactMapValues(\.value)
            } else if let value = try container.decode(JSONNumber.self, forKey: key).value {
                self.numbers[key.stringValue] = value
            }
        }
    }
}
