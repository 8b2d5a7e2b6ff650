import Crypto
package import FedgeCore

extension ModelID {
    /// The id of a model whose file bytes are `bytes`.
    package static func sha256(of bytes: UnsafeRawBufferPointer) -> ModelID {
        var hasher = SHA256()
        var offset = 0
        let chunk = 1 << 20
        while offset < bytes.count {
            let end = min(offset + chunk, bytes.count)
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: bytes[offset..<end]))
            offset = end
        }
        return ModelID(digestBytes: hasher.finalize())
    }

    /// The id of the file at `path`, hashed through a read-only mapping.
    ///
    /// - Throws: `SafetensorsError.io` when the file cannot be read.
    package static func ofFile(atPath path: String) throws(SafetensorsError) -> ModelID {
        try MappedFile(path: path).withBytes { ModelID.sha256(of: $0) }
    }
}

/// Hashes bytes as they stream past, for writers and downloads.
package struct StreamingModelHasher: Sendable {
    private var hasher = SHA256()

    package init() {}

    package mutating func update(_ bytes: UnsafeRawBufferPointer) {
        self.hasher.update(bufferPointer: bytes)
    }

    package consuming func finalize() -> ModelID {
        ModelID(digestBytes: self.hasher.finalize())
    }
}
