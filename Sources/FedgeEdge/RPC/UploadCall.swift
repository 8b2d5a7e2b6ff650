package import FedgeCore
package import FedgeProto
import FedgeRPC
package import GRPCCore
import SwiftProtobuf

/// The client side of `UploadUpdate`: send the header, wait for the combiner's `ready`, stream the file, and
/// return the receipt. A refusal of the header ends the call before any model byte is sent.
package enum UploadCall {
    package static func run<Transport: ClientTransport>(
        _ combiner: Fedge_V1_Combiner.Client<Transport>,
        file path: String,
        knownID: ModelID? = nil,
        header: Fedge_V1_UpdateHeader,
        options: CallOptions = .defaults,
        transform: @escaping @Sendable (Fedge_V1_UpdateChunk) -> Fedge_V1_UpdateChunk = { $0 }
    ) async throws -> Fedge_V1_UpdateReceipt {
        let (ready, signal) = AsyncStream.makeStream(of: Void.self)
        return try await combiner.uploadUpdate(options: options) { writer in
            try await ChunkedTransfer.send(
                file: path,
                header: header,
                knownID: knownID,
                as: Fedge_V1_UpdateChunk.self,
                afterHeader: {
                    for await _ in ready { return }
                    throw RefusalError(.incomplete, "the combiner ended the upload before it was ready")
                },
                write: { try await writer.write(transform($0)) }
            )
        } onResponse: { response in
            defer { signal.finish() }
            for try await event in response.messages {
                switch event.event {
                case .ready: signal.yield()
                case .receipt(let receipt): return receipt
                case nil: break
                }
            }
            throw RefusalError(.incomplete, "the combiner ended the upload without a receipt")
        }
    }
}
