import FedgeCombiner
import FedgeCore
import FedgeEdge
import FedgeProto
import FedgeRPC
import FedgeTensor
import FedgeTestSupport
import Foundation
import GRPCCore
import GRPCInProcessTransport
import SwiftProtobuf

/// A hand-driven client speaking the protocol directly, to send what a well-behaved `EdgeClient` never would.
struct RawClient: Sendable {
    let name: String
    /// This client's token: every call it makes carries it, whatever scope it is called from.
    let token: String
    let combiner: Fedge_V1_Combiner.Client<InProcessTransport.Client>
    let tasks: AsyncStream<Fedge_V1_TaskAssignment>

    /// Connects as `name`, runs `body` once the combiner welcomed the connection, then closes the control stream.
    static func with<R: Sendable>(
        _ name: String,
        over federation: Federation,
        _ body: @escaping @Sendable (RawClient) async throws -> R
    ) async throws -> R {
        let token = try await federation.identities.token(name)
        return try await BearerTokenInterceptor.$taskToken.withValue(token) {
            try await Self.connected(name, token: token, over: federation.client, body)
        }
    }

    private static func connected<R: Sendable>(
        _ name: String,
        token: String,
        over client: GRPCClient<InProcessTransport.Client>,
        _ body: @escaping @Sendable (RawClient) async throws -> R
    ) async throws -> R {
        let combiner = Fedge_V1_Combiner.Client(wrapping: client)
        let (tasks, continuation) = AsyncStream.makeStream(of: Fedge_V1_TaskAssignment.self)
        let (stop, stopContinuation) = AsyncStream.makeStream(of: Void.self)
        let (welcomed, welcome) = AsyncStream.makeStream(of: Void.self)
        return try await withThrowingTaskGroup(of: R?.self) { group in
            group.addTask {
                defer { welcome.finish() }
                try await combiner.connect { writer in
                    try await writer.write(.with { $0.hello = .with { $0.name = name } })
                    for await _ in stop {}
                } onResponse: { response in
                    for try await event in response.messages {
                        switch event.event {
                        case .welcome: welcome.finish()
                        case .task(let task): continuation.yield(task)
                        default: break
                        }
                    }
                    continuation.finish()
                }
                return nil
            }
            group.addTask {
                defer { stopContinuation.finish() }
                // The body starts once the combiner registered this connection (or refused it).
                for await _ in welcomed {}
                return try await body(RawClient(name: name, token: token, combiner: combiner, tasks: tasks))
            }
            var result: R? = nil
            for try await value in group where value != nil { result = value }
            return result!
        }
    }

    /// The next task assigned to this client.
    func nextTask() async throws -> Fedge_V1_TaskAssignment {
        for await task in self.tasks { return task }
        throw RefusalError(.incomplete, "the combiner closed the stream")
    }

    /// Uploads `model` for `task`; `corruptHash` sends a wrong SHA-256 in the trailer, `header` edits the header.
    func upload(
        _ model: InMemoryModel,
        for task: Fedge_V1_TaskAssignment,
        weight: Double = 10,
        corruptHash: Bool = false,
        editHeader: @escaping @Sendable (inout Fedge_V1_UpdateHeader) -> Void = { _ in }
    ) async -> Result<String, RefusalError> {
        await BearerTokenInterceptor.$taskToken.withValue(self.token) {
            await self.uploadAsThisClient(model, task, weight, corruptHash, editHeader)
        }
    }

    private func uploadAsThisClient(
        _ model: InMemoryModel,
        _ task: Fedge_V1_TaskAssignment,
        _ weight: Double,
        _ corruptHash: Bool,
        _ editHeader: @escaping @Sendable (inout Fedge_V1_UpdateHeader) -> Void
    ) async -> Result<String, RefusalError> {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("raw-\(UUID().uuidString).safetensors")
            .path
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            try SafetensorsWriter.write(model, to: path)
            let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as! NSNumber).uint64Value
            var header = Fedge_V1_UpdateHeader.with {
                $0.taskID = task.taskID
                $0.sessionID = task.sessionID
                $0.round = task.round
                $0.client = self.name
                $0.numExamples = weight
                $0.size = size
            }
            editHeader(&header)
            let finalHeader = header
            let receipt = try await UploadCall.run(self.combiner, file: path, header: finalHeader) { message in
                if corruptHash, case .trailer? = message.part {
                    return .init(.trailer(sha256: String(repeating: "0", count: 64)))
                }
                return message
            }
            return .success(receipt.updateID)
        } catch {
            return .failure(RefusalError(error) ?? RefusalError(.malformed, "not a refusal: \(error)"))
        }
    }

    /// Starts an upload for `task` and breaks it off after the header and one chunk, as a killed client would.
    func abortedUpload(for task: Fedge_V1_TaskAssignment, size: UInt64) async {
        struct Killed: Error {}
        let (ready, signal) = AsyncStream.makeStream(of: Void.self)
        _ = try? await self.combiner.uploadUpdate { writer in
            try await writer.write(
                .init(
                    .header(
                        .with {
                            $0.taskID = task.taskID
                            $0.sessionID = task.sessionID
                            $0.round = task.round
                            $0.client = self.name
                            $0.numExamples = 1
                            $0.size = size
                        }
                    )
                )
            )
            for await _ in ready { break }
            try await writer.write(.init(.data(Data(repeating: 7, count: 1000))))
            throw Killed()
        } onResponse: { response in
            defer { signal.finish() }
            for try await event in response.messages {
                if case .ready? = event.event { signal.yield() }
            }
        }
    }
}

/// The global model of `task` as stored by the combiner, plus `delta` on its float tensors (NaN for `.nan`).
func update(of federation: Federation, _ task: Fedge_V1_TaskAssignment, delta: Float) throws -> InMemoryModel {
    let file = try SafetensorsFile(path: federation.combiner.runner.models.path(for: ModelID(hex: task.modelID)!))
    var model = InMemoryModel(file)
    for (i, descriptor) in model.tensors.enumerated() where descriptor.dtype == .f32 {
        model.data[i] = model.data[i].withUnsafeBytes { raw in
            raw.bindMemory(to: Float.self).map { $0 + delta }.withUnsafeBytes { Array($0) }
        }
    }
    return model
}
