import FedgeConsole
import Foundation
import Testing

@Suite("man/fedge-console.1")
struct ManPageTests {
    static let page: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return (try? String(contentsOf: root.appendingPathComponent("man/fedge-console.1"), encoding: .utf8)) ?? ""
    }()

    @Test func documentsEveryKeyBinding() {
        // The help overlay's bindings; a new binding must be added to the man page (and here).
        #expect(HelpView.bindings.count == 13)
        for key in [
            "Tab", "Shift\\-Tab", ".BR \\(ua \" \" \\(da \" \" j \" \" k", "PgUp", "PgDn", "Home", "End", ".B /",
            ".B o", ".B s", ".B x",
            ".B a", ".B r", ".B ?", "Ctrl\\-C",
        ] {
            #expect(Self.page.contains(key), "the man page lacks \(key)")
        }
    }

    @Test func documentsTheThemeFormatAndEveryRole() {
        #expect(Self.page.contains(".SH THEMES"))
        // The roles the page lists, as whole words: the bold arguments of its .BR lines between "The roles are" and
        // "a role left out". Exactly the roles there are, none missing, none extra.
        #expect(Self.listedRoles() == Set(Role.allCases.map(\.rawValue)))
        for colour in ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white", "bright\\-"] {
            #expect(Self.page.contains(colour))
        }
        for view in ViewKind.allCases { #expect(Self.page.contains(".B \(view.rawValue) \(view.title)"), "\(view)") }
    }

    /// The bold words of the `.BR` lines that list the theme roles.
    static func listedRoles() -> Set<String> {
        guard let start = Self.page.range(of: "The roles are"),
            let end = Self.page.range(of: "a role left out", range: start.upperBound..<Self.page.endIndex)
        else { return [] }
        var roles: Set<String> = []
        for line in Self.page[start.upperBound..<end.lowerBound].split(separator: "\n") where line.hasPrefix(".BR ") {
            // .BR alternates bold and roman arguments; a quoted argument may hold spaces.
            let arguments = line.dropFirst(4).matches(of: /"[^"]*"|\S+/).map { String($0.output) }
            for (index, argument) in arguments.enumerated() where index.isMultiple(of: 2) {
                roles.insert(argument.trimmingCharacters(in: CharacterSet(charactersIn: "\",;.")))
            }
        }
        return roles
    }
}
