import CompressNIO
package import Foundation
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Compute package archives: a gzip-compressed tar (`.tgz`, as FEDn's `fedn package create` makes them), written
/// from a directory and read back safely. Extraction refuses what could reach outside its directory or fill the
/// disk: absolute paths, `..`, links (hard links, and symbolic links pointing out), devices and FIFOs, more than
/// `Limits.files` entries or `Limits.bytes` bytes.
package enum PackageArchive {
    /// How big an archive may get when extracted.
    package struct Limits: Sendable, Hashable {
        package var files: Int
        package var bytes: Int
        /// The compressed archive's size.
        package var archiveBytes: Int

        package init(files: Int = 10_000, bytes: Int = 1 << 30, archiveBytes: Int = 256 << 20) {
            self.files = files
            self.bytes = bytes
            self.archiveBytes = archiveBytes
        }
    }

    /// Writes the files under `directory` (recursively; `.fedgeignore` and `.fednignore` patterns left out, and
    /// the ignore files themselves) into a new `.tgz` at `output`. Returns the paths archived, sorted.
    @discardableResult
    package static func create(from directory: URL, to output: URL) throws(PackageError) -> [String] {
        let root = directory.standardizedFileURL.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw PackageError("\(root) is not a directory")
        }
        let manifests = ["fedge.yaml", "fedn.yaml"]
        guard manifests.contains(where: { FileManager.default.fileExists(atPath: root + "/" + $0) }) else {
            throw PackageError("\(root) has no fedge.yaml or fedn.yaml: it is not a compute package")
        }
        let ignore = IgnoreRules(directory: root)
        var tar = TarWriter()
        var archived: [String] = []
        guard let walker = FileManager.default.enumerator(atPath: root) else {
            throw PackageError("cannot read \(root)")
        }
        var entries: [String] = []
        while let relative = walker.nextObject() as? String { entries.append(relative) }
        for relative in entries.sorted() {
            let full = root + "/" + relative
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: full),
                let type = attributes[.type] as? FileAttributeType
            else { continue }
            let isDir = type == .typeDirectory
            if ignore.ignores(relative, directory: isDir) { continue }
            let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? (isDir ? 0o755 : 0o644)
            switch type {
            case .typeDirectory:
                // Skipping an ignored directory's children is the enumerator's job when told.
                tar.append(directory: relative, mode: mode)
            case .typeRegular:
                guard let data = FileManager.default.contents(atPath: full) else {
                    throw PackageError("cannot read \(full)")
                }
                tar.append(file: relative, mode: mode, contents: data)
                archived.append(relative)
            default:
                // Links and special files are not packaged: the archive carries only what it names.
                continue
            }
        }
        var buffer = ByteBuffer(bytes: tar.finish())
        do {
            let compressed = try buffer.compress(with: .gzip())
            try Data(compressed.readableBytesView).write(to: output, options: .atomic)
        } catch {
            throw PackageError("cannot write \(output.path): \(error)")
        }
        return archived
    }

    /// Compresses tar bytes as gzip (for archives built entry by entry with `TarWriter`).
    package static func gzip(_ tar: [UInt8]) throws -> Data {
        var buffer = ByteBuffer(bytes: tar)
        let compressed = try buffer.compress(with: .gzip())
        return Data(compressed.readableBytesView)
    }

    /// Extracts the `.tgz` at `archive` into `directory` (which must not exist yet; it is created), refusing any
    /// entry that is not a plain file or directory inside it. On a refusal nothing is left behind.
    package static func extract(
        _ archive: URL,
        into directory: URL,
        limits: Limits = Limits()
    ) throws(PackageError) {
        let attributes = try? FileManager.default.attributesOfItem(atPath: archive.path)
        let size = (attributes?[.size] as? NSNumber)?.intValue ?? 0
        guard size <= limits.archiveBytes else {
            throw PackageError("the archive has \(size) bytes; at most \(limits.archiveBytes) are accepted")
        }
        // Refused before reading: Foundation leaks a page for every empty file it reads (found by fuzzing).
        guard attributes == nil || size > 0 else {
            throw PackageError("the archive is empty, not a gzip-compressed tar (.tgz)")
        }
        guard let data = FileManager.default.contents(atPath: archive.path) else {
            throw PackageError("cannot read \(archive.path)")
        }
        var compressed = ByteBuffer(bytes: data)
        let tar: ByteBuffer
        do {
            // Two bytes of headroom over the limit tell "at the limit" from "beyond it".
            tar = try compressed.decompress(with: .gzip(), maxSize: limits.bytes + 64 * limits.files + 1024)
        } catch {
            throw PackageError("the archive is not a gzip-compressed tar (.tgz): \(error)")
        }
        let entries = try TarReader.entries(Array(tar.readableBytesView), limits: limits)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
        } catch {
            throw PackageError("cannot create \(directory.path): \(error)")
        }
        do {
            for entry in entries {
                let path = directory.appendingPathComponent(entry.path).path
                switch entry.kind {
                case .directory:
                    try FileManager.default.createDirectory(
                        atPath: path,
                        withIntermediateDirectories: true,
                        attributes: [.posixPermissions: (entry.mode & 0o755) | 0o700]
                    )
                case .file(let contents):
                    try FileManager.default.createDirectory(
                        atPath: (path as NSString).deletingLastPathComponent,
                        withIntermediateDirectories: true
                    )
                    guard
                        FileManager.default.createFile(
                            atPath: path,
                            contents: Data(contents),
                            attributes: [.posixPermissions: (entry.mode & 0o755) | 0o600]
                        )
                    else { throw PackageError("cannot write \(entry.path)") }
                }
            }
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error as? PackageError ?? PackageError("cannot extract: \(error)")
        }
    }

    /// The package's root inside an extracted archive: the directory itself when it holds the manifest, else its
    /// only subdirectory that does (archives made with a top-level folder, as `tar czf p.tgz client/` does).
    package static func root(of directory: URL) throws(PackageError) -> URL {
        let manifests = ["fedge.yaml", "fedn.yaml"]
        func hasManifest(_ url: URL) -> Bool {
            manifests.contains { FileManager.default.fileExists(atPath: url.appendingPathComponent($0).path) }
        }
        if hasManifest(directory) { return directory }
        let children = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let folders = children.map { directory.appendingPathComponent($0) }.filter {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: $0.path, isDirectory: &isDirectory) && isDirectory.boolValue
        }
        if folders.count == 1, hasManifest(folders[0]) { return folders[0] }
        throw PackageError("the archive holds no fedge.yaml or fedn.yaml (at its top, or in its one folder)")
    }
}

/// A compute package archive that cannot be made or used, with the reason.
package struct PackageError: Error, Sendable, Hashable, CustomStringConvertible {
    package var description: String

    package init(_ description: String) { self.description = description }
}

/// `.fedgeignore` / `.fednignore`: one pattern a line (`#` comments), shell globs matched against the path and
/// each of its components; a trailing `/` matches directories only.
struct IgnoreRules {
    var patterns: [(glob: String, directoryOnly: Bool)] = []

    init(directory: String) {
        for name in [".fedgeignore", ".fednignore"] {
            guard let text = try? String(contentsOfFile: directory + "/" + name, encoding: .utf8) else { continue }
            for line in text.split(whereSeparator: \.isNewline) {
                var pattern = line.trimmingCharacters(in: .whitespaces)
                guard !pattern.isEmpty, !pattern.hasPrefix("#") else { continue }
                let directoryOnly = pattern.hasSuffix("/")
                if directoryOnly { pattern.removeLast() }
                if pattern.hasPrefix("/") { pattern.removeFirst() }
                self.patterns.append((pattern, directoryOnly))
            }
        }
    }

    func ignores(_ relative: String, directory: Bool) -> Bool {
        let components = relative.split(separator: "/").map(String.init)
        if components.last == ".fedgeignore" || components.last == ".fednignore" { return true }
        // A path is ignored when it or any folder above it matches.
        for depth in components.indices {
            let prefix = components[0...depth].joined(separator: "/")
            let isDirectory = depth < components.count - 1 || directory
            for (glob, directoryOnly) in self.patterns where !directoryOnly || isDirectory {
                if fnmatch(glob, prefix, 0) == 0 || fnmatch(glob, components[depth], 0) == 0 { return true }
            }
        }
        return false
    }
}
