import FedgeCore
import FedgeEdge
import FedgeTensor
import FedgeTestSupport
import Foundation
import Testing

@Suite("Compute package archives")
struct PackageArchiveTests {
    @Test("create honours .fedgeignore and .fednignore; extract gives back the files and their modes")
    func roundTrip() async throws {
        try await withTemporaryDirectory { dir in
            let source = URL(fileURLWithPath: dir + "/pkg")
            try FileManager.default.createDirectory(
                at: source.appendingPathComponent("src/data"),
                withIntermediateDirectories: true
            )
            try "entry_points:\n  train:\n    command: sh train.sh\n".write(
                to: source.appendingPathComponent("fedge.yaml"),
                atomically: true,
                encoding: .utf8
            )
            try "echo hi\n".write(to: source.appendingPathComponent("train.sh"), atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes(
                [.posixPermissions: 0o755],
                ofItemAtPath: source.appendingPathComponent("train.sh").path
            )
            try "x".write(to: source.appendingPathComponent("src/model.py"), atomically: true, encoding: .utf8)
            try "big".write(to: source.appendingPathComponent("src/data/huge.bin"), atomically: true, encoding: .utf8)
            try "y".write(to: source.appendingPathComponent("notes.log"), atomically: true, encoding: .utf8)
            try "data/\n".write(to: source.appendingPathComponent(".fedgeignore"), atomically: true, encoding: .utf8)
            try "*.log\n# comment\n".write(
                to: source.appendingPathComponent(".fednignore"),
                atomically: true,
                encoding: .utf8
            )
            let archive = URL(fileURLWithPath: dir + "/p.tgz")
            let files = try PackageArchive.create(from: source, to: archive)
            #expect(files == ["fedge.yaml", "src/model.py", "train.sh"])
            let out = URL(fileURLWithPath: dir + "/out")
            try PackageArchive.extract(archive, into: out)
            #expect(try String(contentsOf: out.appendingPathComponent("train.sh"), encoding: .utf8) == "echo hi\n")
            let mode =
                try FileManager.default.attributesOfItem(atPath: out.appendingPathComponent("train.sh").path)[
                    .posixPermissions
                ] as? Int
            #expect(mode == 0o755)
            #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("src/data/huge.bin").path))
            #expect(try PackageArchive.root(of: out) == out)
        }
    }

    /// Hostile archives, each refused with its reason, leaving nothing where it would have been extracted (and
    /// nothing outside it).
    @Test(
        "Hostile archives are refused and leave nothing behind",
        arguments: [
            ("absolute path", [("/etc/evil", "0", "")], "absolute path"),
            ("dot-dot", [("a/../../evil", "0", "")], "'..'"),
            ("symbolic link out", [("link", "2", "/etc/passwd")], "symbolic link"),
            ("hard link", [("hard", "1", "/etc/passwd")], "hard link"),
            ("device", [("dev", "3", "")], "device"),
            ("fifo", [("pipe", "6", "")], "device or FIFO"),
            ("twice", [("a", "0", ""), ("a", "0", "")], "twice"),
        ] as [(String, [(String, String, String)], String)]
    )
    func hostileArchives(_ name: String, _ entries: [(String, String, String)], _ reason: String) async throws {
        try await withTemporaryDirectory { dir in
            var tar = TarWriter()
            tar.append(file: "fedge.yaml", mode: 0o644, contents: Data("entry_points: {}\n".utf8))
            for (path, type, link) in entries {
                tar.append(entry: path, type: Character(type), link: link, contents: Array("x".utf8))
            }
            let archive = URL(fileURLWithPath: dir + "/evil.tgz")
            try PackageArchive.gzip(tar.finish()).write(to: archive)
            let out = URL(fileURLWithPath: dir + "/out")
            #expect {
                try PackageArchive.extract(archive, into: out)
            } throws: { error in
                "\(error)".contains(reason)
            }
            #expect(!FileManager.default.fileExists(atPath: out.path), "\(name): nothing is extracted")
            #expect(!FileManager.default.fileExists(atPath: dir + "/evil"))
        }
    }

    @Test("Too many files, too many bytes (a gzip bomb), bytes that are not a .tgz, or none are refused")
    func limits() async throws {
        try await withTemporaryDirectory { dir in
            var many = TarWriter()
            for i in 0..<20 { many.append(file: "f\(i)", mode: 0o644, contents: Data("x".utf8)) }
            let manyPath = URL(fileURLWithPath: dir + "/many.tgz")
            try PackageArchive.gzip(many.finish()).write(to: manyPath)
            #expect {
                try PackageArchive.extract(manyPath, into: URL(fileURLWithPath: dir + "/a"), limits: .init(files: 10))
            } throws: { "\($0)".contains("more than 10 entries") }

            var bomb = TarWriter()
            bomb.append(file: "zeros", mode: 0o644, contents: Data(count: 4 << 20))
            let bombPath = URL(fileURLWithPath: dir + "/bomb.tgz")
            try PackageArchive.gzip(bomb.finish()).write(to: bombPath)
            #expect(((try FileManager.default.attributesOfItem(atPath: bombPath.path)[.size]) as? Int ?? 0) < 64 << 10)
            #expect {
                try PackageArchive.extract(
                    bombPath,
                    into: URL(fileURLWithPath: dir + "/b"),
                    limits: .init(bytes: 1 << 20)
                )
            } throws: { _ in true }
            #expect(!FileManager.default.fileExists(atPath: dir + "/b"))

            let junk = URL(fileURLWithPath: dir + "/junk.tgz")
            try Data("not an archive".utf8).write(to: junk)
            #expect {
                try PackageArchive.extract(junk, into: URL(fileURLWithPath: dir + "/c"))
            } throws: { "\($0)".contains("not a gzip-compressed tar") }

            let empty = URL(fileURLWithPath: dir + "/empty.tgz")
            try Data().write(to: empty)
            #expect {
                try PackageArchive.extract(empty, into: URL(fileURLWithPath: dir + "/d"))
            } throws: { "\($0)".contains("the archive is empty") }
            #expect(!FileManager.default.fileExists(atPath: dir + "/d"))
        }
    }

    @Test("The cache checks the hash before extracting and reuses what it holds")
    func cacheChecksAndReuses() async throws {
        try await withTemporaryDirectory { dir in
            var tar = TarWriter()
            tar.append(file: "fedge.yaml", mode: 0o644, contents: Data("entry_points: {}\n".utf8))
            let bytes = try PackageArchive.gzip(tar.finish())
            try bytes.write(to: URL(fileURLWithPath: dir + "/p.tgz"))
            let id = try ModelID.ofFile(atPath: dir + "/p.tgz")
            let cache = PackageCache(root: URL(fileURLWithPath: dir + "/cache"))
            nonisolated(unsafe) var fetches = 0
            let first = try await cache.package(id) { path in
                fetches += 1
                try bytes.write(to: URL(fileURLWithPath: path))
            }
            let second = try await cache.package(id) { _ in fetches += 1 }
            #expect(first.standardizedFileURL.path == second.standardizedFileURL.path && fetches == 1)
            #expect(first.lastPathComponent == id.hex)
            let other = ModelID(digestBytes: [UInt8](repeating: 7, count: 32))
            await #expect {
                try await cache.package(other) { path in try bytes.write(to: URL(fileURLWithPath: path)) }
            } throws: { "\($0)".contains("hash") }
            #expect(!FileManager.default.fileExists(atPath: dir + "/cache/" + other.hex))
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir + "/cache").filter {
                $0.hasPrefix(".")
            }
            #expect(leftovers.isEmpty)
        }
    }
}
