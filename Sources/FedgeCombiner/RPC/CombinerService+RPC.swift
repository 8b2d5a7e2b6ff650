import FedgeCore
package import FedgeProto
import FedgeRPC
import FedgeSecurity
import Foundation
package import GRPCCore
import Logging
import SwiftProtobuf

extension CombinerService: Fedge_V1_Combiner.SimpleServiceProtocol {
    package func connect(
        request: RPCAsyncSequence<Fedge_V1_ClientEvent, any Error>,
        response: RPCWriter<Fedge_V1_CombinerEvent>,
        context: ServerContext
    ) async throws {
        var connection: ClientRegistry.Connection? = nil
        let caller = try Identity.caller()
        do {
            for try await event in request {
                if let connection {
                    await self.handle(event, from: connection)
                    continue
                }
                guard case .hello(let hello) = event.event, !hello.name.isEmpty else {
                    throw RefusalError(
                        .malformed,
                        "the first message on Connect must be a hello with the client's name"
                    )
                }
                // A client acts only under the name its token carries.
                try caller.require(name: hello.name)
                let registered = await self.registry.connect(name: hello.name, trainers: hello.trainers)
                connection = registered
                try await response.write(
                    .with {
                        $0.welcome = .with {
                            $0.clientID = registered.clientID.rawValue
                            $0.combiner = self.configuration.name
                            $0.heartbeatMillis = UInt32(
                                clamping: self.configuration.heartbeatInterval.components.seconds * 1000
                            )
                        }
                    }
                )
                // Written by a task that lives only while instructions wait: an idle client costs no task.
                registered.outbox.start { command in try await response.write(command.proto) }
                await self.runner.clientReconnected(clientID: registered.clientID)
            }
        } catch {
            if let connection { await self.disconnected(connection) }
            self.noteRefusal(error, of: caller, action: "fedge.v1.Combiner/Connect")
            throw error
        }
        if let connection { await self.disconnected(connection) }
    }

    /// Hands a refusal of `caller`'s call on to the controller's audit trail. Updates for a round already closed,
    /// and streams that broke off, are a network's ordinary weather and are left to the logs.
    private func noteRefusal(_ error: any Error, of caller: Identity, action: String) {
        guard let refusal = error as? RefusalError, refusal.refusal != .staleRound, refusal.refusal != .incomplete
        else { return }
        self.refusals.report(
            actor: caller.name,
            address: caller.address,
            action: action,
            reason: refusal.refusal.rawValue,
            message: refusal.message
        )
    }

    /// A control stream ended. The client's outstanding task fails only if this was its current stream: the end of
    /// one it replaced (a stalled link that delivers its close after the client dialled again) must not fail the
    /// task its new stream carries.
    ///
    /// The connection's mailbox is closed first: no instruction is written on the stream once its handler returns.
    private func disconnected(_ connection: ClientRegistry.Connection) async {
        await connection.outbox.close()
        guard await self.registry.disconnect(connection) else { return }
        await self.runner.clientDisconnected(clientID: connection.clientID)
    }

    package func uploadUpdate(
        request: RPCAsyncSequence<Fedge_V1_UpdateChunk, any Error>,
        response: RPCWriter<Fedge_V1_UploadEvent>,
        context: ServerContext
    ) async throws {
        let permit = PermitHolder(limiter: self.uploads)
        let caller = try Identity.caller()
        do {
            let receipt = try await self.takeUpload(request) { header in
                // The sender is the token's subject: an upload under another client's name is refused.
                try caller.require(name: header.client)
                // Checked before a byte of the model moves; then the client waits here until there is room.
                try await self.runner.admit(UpdateAnnouncement(header))
                try await permit.acquire()
                try await response.write(.with { $0.ready = Fedge_V1_UploadReady() })
            }
            await permit.release()
            try await response.write(.with { $0.receipt = receipt })
        } catch {
            await permit.release()
            self.noteRefusal(error, of: caller, action: "fedge.v1.Combiner/UploadUpdate")
            throw error
        }
    }

    private func takeUpload(
        _ request: RPCAsyncSequence<Fedge_V1_UpdateChunk, any Error>,
        admit: (Fedge_V1_UpdateHeader) async throws -> Void
    ) async throws -> Fedge_V1_UpdateReceipt {
        var admitted: String? = nil
        var admittedAt = ContinuousClock.now
        let updates = self.configuration.spoolDirectory.appendingPathComponent("updates").path
        do {
            let received = try await ChunkedTransfer.receive(
                request,
                spoolDirectory: updates,
                maxBytes: UInt64.max,
                declaredSize: { (header: Fedge_V1_UpdateHeader) in header.size },
                durability: .atomic,  // lives as long as the round: folded, then removed
                check: { header in
                    try await admit(header)
                    admitted = header.taskID
                    admittedAt = ContinuousClock.now
                },
                destination: { header, id in "\(updates)/\(id.hex)-\(UUID().uuidString.prefix(8)).safetensors" }
            )
            admitted = nil
            let id = try await self.runner.accept(
                UpdateAnnouncement(received.header),
                path: received.path,
                id: received.id,
                uploadSeconds: (ContinuousClock.now - admittedAt).inSeconds
            )
            return .with { $0.updateID = id.hex }
        } catch {
            if let admitted {
                await self.runner.abandon(taskID: TaskID(admitted), because: RefusalError(error)?.refusal)
                self.logger.warning(
                    "Upload broke off",
                    metadata: ["fedge.task.id": "\(admitted)", "fedge.error": "\(error)"]
                )
            }
            throw error
        }
    }
}

/// A transfer place taken at most once and given back at most once.
private actor PermitHolder {
    let limiter: TransferLimiter
    var held = false

    init(limiter: TransferLimiter) { self.limiter = limiter }

    func acquire() async throws {
        try await self.limiter.acquire()
        self.held = true
    }

    func release() async {
        guard self.held else { return }
        self.held = false
        await self.limiter.release()
    }
}
