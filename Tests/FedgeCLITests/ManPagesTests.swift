import FedgeEdge
import FedgeTestSupport
import Foundation
import Testing

/// The man pages are kept in step with `--help`: every subcommand and every flag the tools take appears in its page.
@Suite("Man pages follow --help", .serialized)
struct ManPagesTests {
    /// Subcommand names and long flags in one `--help` text.
    static func parse(_ help: String) -> (subcommands: [String], flags: Set<String>) {
        var subcommands: [String] = []
        var flags = Set<String>()
        var section = ""
        for line in help.split(separator: "\n", omittingEmptySubsequences: false) {
            if let first = line.first, first != " " {
                section = String(line)
                continue
            }
            if section.hasPrefix("SUBCOMMANDS"), line.hasPrefix("  "), !line.hasPrefix("   "),
                let name = line.split(separator: " ").first,
                name.allSatisfy({ $0.isLowercase || $0 == "-" }), name != "help"
            {
                subcommands.append(String(name))
            }
            if section.hasPrefix("OPTIONS") || section.hasPrefix("ARGUMENTS") {
                for word in line.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "/" })
                where word.hasPrefix("--") && word.count > 3 {
                    let flag = word.prefix { $0.isLetter || $0.isNumber || $0 == "-" }
                    if flag != "--help", flag != "--version" { flags.insert(String(flag)) }
                }
            }
        }
        return (subcommands, flags)
    }

    /// Every (subcommand path, flag) of `tool`, walking its subcommands.
    static func surface(_ tool: String, path: [String] = []) async throws -> [(String, String)] {
        guard path.count < 4 else { return [] }
        let help = try await ExternalTools.run(tool, path + ["--help"], timeout: 30).stdout
        let (subcommands, flags) = Self.parse(help)
        var found = flags.map { (path.joined(separator: " "), $0) }
        for name in subcommands where name != "help" {
            found.append((path.joined(separator: " "), "subcommand:" + name))
            found += try await Self.surface(tool, path: path + [name])
        }
        return found
    }

    @Test(
        "Every subcommand and flag of each tool is in its man page",
        arguments: [
            ("fedge", "man/fedge.1"), ("fedge-client", "man/fedge-client.1"),
            ("fedge-combiner", "man/fedge-combiner.8"), ("fedge-controller", "man/fedge-controller.8"),
        ]
    )
    func manPagesCoverHelp(_ name: String, _ page: String) async throws {
        guard let tool = ExternalTools.builtExecutable(name) else {
            Issue.record("the \(name) executable was not built")
            return
        }
        let text = try String(contentsOfFile: ExternalTools.repositoryRoot + "/" + page, encoding: .utf8)
            .replacingOccurrences(of: "\\-", with: "-")
            .replacingOccurrences(of: "\\fB", with: "").replacingOccurrences(of: "\\fR", with: "")
            .replacingOccurrences(of: "\\fI", with: "")
        var missing: [String] = []
        for (path, item) in try await Self.surface(tool) {
            if item.hasPrefix("subcommand:") {
                let sub = String(item.dropFirst("subcommand:".count))
                if !text.contains(sub) { missing.append("\(path) \(sub)") }
            } else if !text.contains(item) {
                missing.append("\(path.isEmpty ? name : path) \(item)")
            }
        }
        #expect(missing.isEmpty, "\(page) lacks: \(Set(missing).sorted())")
    }
}
