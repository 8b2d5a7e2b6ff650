package import FedgeCore
import FedgeRPC
package import FedgeStore

extension BlobStore: ModelSource {
    package func file(for id: ModelID) async -> (path: String, size: UInt64)? {
        self.contains(id) ? (self.path(for: id), self.size(of: id)) : nil
    }
}
