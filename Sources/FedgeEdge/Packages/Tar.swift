package import Foundation

/// Writes a POSIX ustar archive in memory (paths over 100 bytes split into prefix and name, up to 255).
package struct TarWriter {
    private var bytes: [UInt8] = []

    package init() {}

    /// Appends any entry, as it is given (the tests build hostile archives with it): `type` is the ustar type
    /// flag ("0" file, "1" hard link, "2" symbolic link, "3" device, "5" folder …).
    package mutating func append(
        entry path: String,
        type: Character,
        mode: Int = 0o644,
        link: String = "",
        contents: [UInt8] = []
    ) {
        self.header(path: path, mode: mode, size: contents.count, type: type.asciiValue ?? 0x30, link: link)
        self.bytes.append(contentsOf: contents)
        self.bytes.append(contentsOf: [UInt8](repeating: 0, count: (512 - contents.count % 512) % 512))
    }

    package mutating func append(directory path: String, mode: Int) {
        self.header(path: path.hasSuffix("/") ? path : path + "/", mode: mode, size: 0, type: UInt8(ascii: "5"))
    }

    package mutating func append(file path: String, mode: Int, contents: Data) {
        self.header(path: path, mode: mode, size: contents.count, type: UInt8(ascii: "0"))
        self.bytes.append(contentsOf: contents)
        self.bytes.append(contentsOf: [UInt8](repeating: 0, count: (512 - contents.count % 512) % 512))
    }

    /// The archive, with its two closing zero blocks.
    package mutating func finish() -> [UInt8] {
        self.bytes.append(contentsOf: [UInt8](repeating: 0, count: 1024))
        return self.bytes
    }

    private mutating func header(path: String, mode: Int, size: Int, type: UInt8, link: String = "") {
        var block = [UInt8](repeating: 0, count: 512)
        var name = Array(path.utf8)
        var prefix: [UInt8] = []
        if name.count > 100, let cut = name.prefix(156).lastIndex(of: UInt8(ascii: "/")), name.count - cut - 1 <= 100 {
            prefix = Array(name[..<cut])
            name = Array(name[(cut + 1)...])
        }
        func put(_ value: [UInt8], at offset: Int, width: Int) {
            for (i, byte) in value.prefix(width).enumerated() { block[offset + i] = byte }
        }
        func octal(_ value: Int, width: Int) -> [UInt8] {
            let text = String(value, radix: 8)
            return Array((String(repeating: "0", count: max(0, width - 1 - text.count)) + text).utf8) + [0]
        }
        put(name, at: 0, width: 100)
        put(octal(mode & 0o7777, width: 8), at: 100, width: 8)
        put(octal(0, width: 8), at: 108, width: 8)
        put(octal(0, width: 8), at: 116, width: 8)
        put(octal(size, width: 12), at: 124, width: 12)
        put(octal(0, width: 12), at: 136, width: 12)
        block[156] = type
        put(Array(link.utf8), at: 157, width: 100)
        put(Array("ustar\0".utf8), at: 257, width: 6)
        put(Array("00".utf8), at: 263, width: 2)
        put(prefix, at: 345, width: 155)
        for i in 148..<156 { block[i] = UInt8(ascii: " ") }
        let sum = block.reduce(0) { $0 + Int($1) }
        put(octal(sum, width: 7) + [UInt8(ascii: " ")], at: 148, width: 8)
        self.bytes.append(contentsOf: block)
    }
}

/// Reads a tar archive (ustar, GNU long names, PAX path records) into checked entries.
enum TarReader {
    struct Entry {
        enum Kind {
            case directory
            case file([UInt8])
        }

        var path: String
        var mode: Int
        var kind: Kind
    }

    static func entries(_ bytes: [UInt8], limits: PackageArchive.Limits) throws(PackageError) -> [Entry] {
        var entries: [Entry] = []
        var offset = 0
        var total = 0
        var longName: String? = nil
        var seen = Set<String>()
        while offset + 512 <= bytes.count {
            let block = bytes[offset..<(offset + 512)]
            if block.allSatisfy({ $0 == 0 }) { break }
            guard Self.checksumMatches(block) else {
                throw PackageError("the archive is damaged: a header's checksum does not match (at byte \(offset))")
            }
            let size = Self.number(block, 124, 12)
            guard size >= 0, offset + 512 + size <= bytes.count else {
                throw PackageError("the archive is truncated: an entry runs past its end")
            }
            let body = Array(bytes[(offset + 512)..<(offset + 512 + size)])
            offset += 512 + (size + 511) / 512 * 512
            let type = block[block.startIndex + 156]
            let typeChar = Character(Unicode.Scalar(type))
            switch typeChar {
            case "L":  // GNU long name for the next entry
                longName = String(decoding: body.prefix { $0 != 0 }, as: UTF8.self)
                continue
            case "x":  // PAX extended header: a "path" record renames the next entry
                longName = Self.paxPath(body) ?? longName
                continue
            case "g":  // PAX global header: nothing Fedge needs
                continue
            default:
                break
            }
            var name = longName ?? Self.string(block, 0, 100)
            longName = nil
            let prefix = Self.string(block, 345, 155)
            if !prefix.isEmpty && Self.string(block, 257, 5) == "ustar" && name == Self.string(block, 0, 100) {
                name = prefix + "/" + name
            }
            let path = try Self.safePath(name)
            let mode = Self.number(block, 100, 8)
            switch typeChar {
            case "0", "\0", "7":
                total += size
                guard total <= limits.bytes else {
                    throw PackageError("the archive unpacks to more than \(limits.bytes) bytes")
                }
                guard !path.isEmpty else { throw PackageError("the archive holds a file without a name") }
                guard seen.insert(path).inserted else { throw PackageError("the archive holds '\(path)' twice") }
                entries.append(Entry(path: path, mode: mode, kind: .file(body)))
            case "5":
                if !path.isEmpty { entries.append(Entry(path: path, mode: mode, kind: .directory)) }
            case "1":
                throw PackageError(
                    "the archive holds a hard link ('\(name)'); packages may hold only files and folders"
                )
            case "2":
                throw PackageError(
                    "the archive holds a symbolic link ('\(name)' → '\(Self.string(block, 157, 100))'); packages may hold only files and folders"
                )
            case "3", "4", "6":
                throw PackageError(
                    "the archive holds a device or FIFO ('\(name)'); packages may hold only files and folders"
                )
            default:
                throw PackageError("the archive holds an entry of unknown type '\(typeChar)' ('\(name)')")
            }
            guard entries.count <= limits.files else {
                throw PackageError("the archive holds more than \(limits.files) entries")
            }
        }
        return entries
    }

    /// `name` as a relative path inside the package, or a refusal: absolute paths and `..` are never accepted.
    static func safePath(_ name: String) throws(PackageError) -> String {
        guard !name.hasPrefix("/") else { throw PackageError("the archive holds an absolute path ('\(name)')") }
        let parts = name.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
        guard !parts.contains("..") else { throw PackageError("the archive holds a path with '..' ('\(name)')") }
        guard !name.contains("\0"), parts.allSatisfy({ $0.utf8.count <= 255 }) else {
            throw PackageError("the archive holds an invalid name")
        }
        return parts.joined(separator: "/")
    }

    private static func string(_ block: ArraySlice<UInt8>, _ offset: Int, _ width: Int) -> String {
        let start = block.startIndex + offset
        let field = block[start..<(start + width)]
        return String(decoding: field.prefix { $0 != 0 }, as: UTF8.self)
    }

    private static func number(_ block: ArraySlice<UInt8>, _ offset: Int, _ width: Int) -> Int {
        let start = block.startIndex + offset
        let field = block[start..<(start + width)]
        if let first = field.first, first & 0x80 != 0 {
            // GNU base-256: big-endian, the top bit a marker.
            return field.dropFirst().reduce(Int(first & 0x7f)) { ($0 << 8) | Int($1) }
        }
        let text = String(decoding: field.prefix { $0 != 0 && $0 != UInt8(ascii: " ") }, as: UTF8.self)
            .trimmingCharacters(in: .whitespaces)
        return Int(text, radix: 8) ?? -1
    }

    private static func checksumMatches(_ block: ArraySlice<UInt8>) -> Bool {
        let stored = Self.number(block, 148, 8)
        var sum = 0
        for (i, byte) in block.enumerated() { sum += (148..<156).contains(i) ? 32 : Int(byte) }
        return stored == sum
    }

    /// The `path` record of a PAX header ("LEN path=VALUE\n" records).
    private static func paxPath(_ body: [UInt8]) -> String? {
        var rest = body[...]
        while let space = rest.firstIndex(of: UInt8(ascii: " ")),
            let length = Int(String(decoding: rest[rest.startIndex..<space], as: UTF8.self)), length > 0,
            rest.startIndex + length <= rest.endIndex
        {
            let record = String(decoding: rest[(space + 1)..<(rest.startIndex + length - 1)], as: UTF8.self)
            if record.hasPrefix("path=") { return String(record.dropFirst(5)) }
            rest = rest[(rest.startIndex + length)...]
        }
        return nil
    }
}
