import FedgeCore
package import FedgeProto
package import GRPCCore
import Logging
import SwiftProtobuf

extension ModelTransferService: Fedge_V1_ModelTransfer.SimpleServiceProtocol {
    package func downloadModel(
        request: Fedge_V1_ModelRequest,
        response: RPCWriter<Fedge_V1_ModelChunk>,
        context: ServerContext
    ) async throws {
        guard let id = ModelID(hex: request.modelID), let file = await self.source.file(for: id) else {
            throw RefusalError(.unknownModel, "\(self.origin) has no model '\(request.modelID)'")
        }
        let header = Fedge_V1_TransferHeader.with {
            $0.modelID = id.hex
            $0.size = file.size
        }
        try await self.admission {
            try await ChunkedTransfer.send(file: file.path, header: header, as: Fedge_V1_ModelChunk.self) {
                try await response.write($0)
            }
        }
        self.sent(file.size)
        self.logger.debug("Model sent", metadata: ["fedge.model": "\(id.shortPrefix)", "fedge.bytes": "\(file.size)"])
    }
}
