import FedgeCore
import FedgeProto
import FedgeRPC
import Foundation
import GRPCCore
import Logging
import SwiftProtobuf

/// Runs one task: download the global model (verified), train or validate, upload the update, report.
struct TaskExecution<Transport: ClientTransport>: Sendable {
    let configuration: EdgeConfiguration
    let trainer: any Trainer
    let combiner: Fedge_V1_Combiner.Client<Transport>
    let models: Fedge_V1_ModelTransfer.Client<Transport>
    let logger: Logger
    let reporter: TaskReporter

    /// Runs `task` and reports how it ended; never throws. A failed task leaves the client connected.
    func execute(_ task: TrainingTask) async {
        let directory = self.configuration.workDirectory.appendingPathComponent("tasks/\(Self.safe(task.id.rawValue))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let metadata: Logger.Metadata = [
            "fedge.task.id": "\(task.id)", "fedge.round": "\(task.round)", "fedge.task.kind": "\(task.kind)",
        ]
        self.logger.info("Task received", metadata: metadata)
        self.reporter.status(.running)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let clock = ContinuousClock()
            var timings = Fedge_V1_Timings()
            let started = clock.now
            let model = try await self.download(task, into: directory)
            timings.downloadSeconds = (clock.now - started).inSeconds
            var input = TrainerInput(
                model: model,
                output: directory.appendingPathComponent("update.safetensors"),
                settingsJSON: task.clientSettingsJSON,
                workDirectory: directory,
                task: task,
                log: { stream, line in self.reporter.log(stream, line) }
            )
            if self.trainer.usesSessionPackage, let package = task.package {
                input.package = try await self.sessionPackage(package, size: task.packageSize)
            }
            switch task.kind {
            case .train:
                let trainStart = clock.now
                let result = try await self.trainer.train(input)
                timings.trainSeconds = (clock.now - trainStart).inSeconds
                // The global model is no longer needed: free its disk space before the upload.
                try? FileManager.default.removeItem(at: model)
                self.reporter.metrics(result.metrics)
                let uploadStart = clock.now
                let id = try await self.upload(input.output, task: task, result: result, timings: timings)
                timings.uploadSeconds = (clock.now - uploadStart).inSeconds
                self.logger.info(
                    "Update accepted",
                    metadata: metadata.merging([
                        "fedge.update": "\(id.shortPrefix)", "fedge.num_examples": "\(result.numExamples)",
                    ]) { $1 }
                )
                self.reporter.status(.succeeded, "update \(id.hex) accepted")
            case .validate:
                let result = try await self.trainer.validate(input)
                self.reporter.metrics(result.metrics)
                self.reporter.status(.succeeded, "validated", validation: result)
                self.logger.info("Validation done", metadata: metadata)
            }
        } catch  where Task.isCancelled || error is CancellationError {
            self.logger.info("Task cancelled", metadata: metadata)
            self.reporter.status(.cancelled, "cancelled")
        } catch {
            let message = RefusalError(error).map(\.description) ?? "\(error)"
            self.logger.warning("Task failed", metadata: metadata.merging(["fedge.error": "\(message)"]) { $1 })
            self.reporter.status(.failed, message)
        }
    }

    /// The session's compute package from the cache, fetched through the combiner the first time.
    private func sessionPackage(_ id: ModelID, size: UInt64) async throws -> URL {
        let cache = PackageCache(root: self.configuration.workDirectory.appendingPathComponent("packages"))
        return try await cache.package(id) { path in
            _ = try await self.fetch(id, size: size, to: path, durability: .durable)
        }
    }

    /// Downloads blob `id` (a model or a package) from the combiner to `path`; returns the hash of what came.
    private func fetch(
        _ id: ModelID,
        size: UInt64,
        to path: String,
        durability: FileDurability
    ) async throws -> ModelID {
        let spool = (path as NSString).deletingLastPathComponent
        let received = try await self.models.downloadModel(
            .with { $0.modelID = id.hex },
            options: EdgeSession<Transport>.callOptions
        ) { response in
            try await ChunkedTransfer.receive(
                response.messages,
                spoolDirectory: spool,
                maxBytes: size > 0 ? size : UInt64.max,
                declaredSize: { (header: Fedge_V1_TransferHeader) in header.size },
                durability: durability,
                destination: { _, _ in path }
            )
        }
        return received.id
    }

    /// Downloads the task's model into `directory` and checks it is the model the task names.
    private func download(_ task: TrainingTask, into directory: URL) async throws -> URL {
        let path = directory.appendingPathComponent("global.safetensors").path
        // The task's own copy, removed with its directory: a rename suffices.
        let receivedID = try await self.fetch(task.model, size: task.modelSize, to: path, durability: .atomic)
        let received = (id: receivedID, path: path)
        guard received.id == task.model else {
            throw RefusalError(
                .hashMismatch,
                "the combiner sent model \(received.id.shortPrefix) for task \(task.id), which names \(task.model.shortPrefix)"
            )
        }
        return URL(fileURLWithPath: path)
    }

    /// Uploads the update at `file` with the task's ids, its weight and metrics.
    private func upload(
        _ file: URL,
        task: TrainingTask,
        result: TrainingResult,
        timings: Fedge_V1_Timings
    ) async throws -> ModelID {
        let size = (try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? NSNumber)?.uint64Value ?? 0
        let header = Fedge_V1_UpdateHeader.with {
            $0.taskID = task.id.rawValue
            $0.sessionID = task.session.rawValue
            $0.round = UInt32(clamping: task.round)
            $0.client = self.configuration.name
            $0.numExamples = result.numExamples
            $0.size = size
            $0.metrics = result.metrics
            $0.timings = timings
        }
        let receipt = try await UploadCall.run(self.combiner, file: file.path, knownID: result.updateID, header: header)
        guard let id = ModelID(hex: receipt.updateID) else {
            throw RefusalError(.malformed, "the combiner's receipt names no update id")
        }
        return id
    }

    private static func safe(_ id: String) -> String {
        String(id.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
    }

}
