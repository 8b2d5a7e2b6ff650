import Crypto
package import FedgeCore

extension ModelID {
    /// The id of the file at `path`, hashed through a read-only mapping that does not stay resident.
    ///
    /// - Throws: `SafetensorsError.io` when the file cannot be read.
    package static func ofFile(atPath path: String) throws(SafetensorsError) -> ModelID {
        try MappedFile(path: path).sha256()
    }
}

extension MappedFile {
    /// The SHA-256 of the whole file, read in 8 MiB blocks whose pages are dropped behind the reader, so hashing a
    /// model never leaves it resident.
    package func sha256() -> ModelID {
        var hasher = StreamingModelHasher()
        let chunk = 8 << 20
        var offset = 0
        while offset < self.count {
            let range = offset..<min(offset + chunk, self.count)
            self.populate(range)
            self.withBytes(in: range) { hasher.update($0) }
            self.releasePages(in: range)
            offset = range.upperBound
        }
        return hasher.finalize()
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
