import FedgeCore
package import FedgeProto
import FedgeSecurity
package import GRPCCore
import Logging
import SwiftProtobuf

extension ModelTransferService: Fedge_V1_ModelTransfer.SimpleServiceProtocol {
    package func downloadModel(
        request: Fedge_V1_ModelRequest,
        response: RPCWriter<Fedge_V1_ModelChunk>,
        context: ServerContext
    ) async throws {
        let caller = try Identity.caller()
        guard let id = ModelID(hex: request.modelID), await self.permits(caller, id) else {
            throw RefusalError(
                .permissionDenied,
                "\(caller.name) was not given model '\(request.modelID.prefix(64))' to work on; \(self.origin) serves only the models of the caller's own tasks"
            )
        }
        guard let file = await self.source.file(for: id) else {
            throw RefusalError(.unknownModel, "\(self.origin) has no model '\(request.modelID)'")
        }
        let header = Fedge_V1_TransferHeader.with {
            $0.modelID = id.hex
            $0.size = file.size
        }
        try await self.admission {
            // The stores are content-addressed: the file's SHA-256 is its id, checked when it was stored.
            try await ChunkedTransfer.send(file: file.path, header: header, knownID: id, as: Fedge_V1_ModelChunk.self) {
                try await response.write($0)
            }
        }
        self.sent(file.size)
        self.logger.debug("Model sent", metadata: ["fedge.model": "\(id.shortPrefix)", "fedge.bytes": "\(file.size)"])
    }
}
