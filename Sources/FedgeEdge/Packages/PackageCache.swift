package import FedgeCore
import FedgeTensor
package import Foundation

/// Compute packages a client was sent, kept by the SHA-256 of their archive: `ROOT/<hash>/` holds the extracted
/// package, reused across rounds and restarts. A package is fetched, checked against its hash and extracted into a
/// temporary folder, then renamed into place: a crash never leaves a half package under a real name.
package struct PackageCache: Sendable {
    package let root: URL

    package init(root: URL) {
        self.root = root
    }

    /// The extracted package `id` (its root, where the manifest is), fetching it with `fetch(path)` — which writes
    /// the archive's bytes to `path` — when it is not in the cache yet.
    package func package(
        _ id: ModelID,
        fetch: (_ path: String) async throws -> Void
    ) async throws -> URL {
        let directory = self.root.appendingPathComponent(id.hex)
        if FileManager.default.fileExists(atPath: directory.path) { return try PackageArchive.root(of: directory) }
        try FileManager.default.createDirectory(at: self.root, withIntermediateDirectories: true)
        let token = UUID().uuidString.prefix(8)
        let archive = self.root.appendingPathComponent(".incoming-\(token).tgz")
        let staging = self.root.appendingPathComponent(".extracting-\(token)")
        defer {
            try? FileManager.default.removeItem(at: archive)
            try? FileManager.default.removeItem(at: staging)
        }
        try await fetch(archive.path)
        let actual = try ModelID.ofFile(atPath: archive.path)
        guard actual == id else {
            throw RefusalError(
                .hashMismatch,
                "the package's bytes hash to \(actual.shortPrefix), not \(id.shortPrefix) as the task says"
            )
        }
        try PackageArchive.extract(archive, into: staging)
        _ = try PackageArchive.root(of: staging)
        do {
            try FileManager.default.moveItem(at: staging, to: directory)
        } catch  where FileManager.default.fileExists(atPath: directory.path) {
            // Another client of this process got there first: the same bytes.
        }
        return try PackageArchive.root(of: directory)
    }
}
