package import FedgeCore
import FedgeRPC
package import FedgeTensor
package import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Global models by id, as files named `<sha256>.safetensors` in one directory.
package struct ModelStore: Sendable {
    package let directory: URL

    package init(directory: URL) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// Where model `id` is stored, whether or not it is there.
    package func path(for id: ModelID) -> String { self.directory.appendingPathComponent("\(id.hex).safetensors").path }

    /// Whether model `id` is stored.
    package func contains(_ id: ModelID) -> Bool { FileManager.default.fileExists(atPath: self.path(for: id)) }

    /// The stored model's size in bytes.
    package func size(of id: ModelID) -> UInt64 {
        ((try? FileManager.default.attributesOfItem(atPath: self.path(for: id)))?[.size] as? NSNumber)?.uint64Value ?? 0
    }

    /// Copies (or links) the model at `path` into the store, checking that it is a valid safetensors file.
    package func importModel(at path: String) throws -> ModelID {
        let file = try SafetensorsFile(path: path)
        let id = file.computeModelID()
        let destination = self.path(for: id)
        if !FileManager.default.fileExists(atPath: destination) {
            let temporary = destination + ".importing-\(UUID().uuidString)"
            if link(path, temporary) != 0 {
                try FileManager.default.copyItem(atPath: path, toPath: temporary)
            }
            try FileManager.default.moveItem(atPath: temporary, toPath: destination)
        }
        return id
    }

    /// Writes `model` into the store and returns its id.
    package func store(_ model: some SafetensorsEncodable) throws -> ModelID {
        let temporary = self.directory.appendingPathComponent(".new-\(UUID().uuidString).safetensors").path
        let id = try SafetensorsWriter.write(model, to: temporary)
        let destination = self.path(for: id)
        if FileManager.default.fileExists(atPath: destination) {
            try FileManager.default.removeItem(atPath: temporary)
        } else {
            try FileManager.default.moveItem(atPath: temporary, toPath: destination)
        }
        return id
    }
}

extension ModelStore: ModelSource {
    package func file(for id: ModelID) async -> (path: String, size: UInt64)? {
        self.contains(id) ? (self.path(for: id), self.size(of: id)) : nil
    }
}
