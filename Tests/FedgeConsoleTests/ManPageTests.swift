import FedgeConsole
import Foundation
import Testing

@Suite("man/fedge-console.1")
struct ManPageTests {
    static let page: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return (try? String(contentsOf: root.appendingPathComponent("man/fedge-console.1"), encoding: .utf8)) ?? ""
    }()

    @Test func documentsEveryKeyBinding() {
        // The help overlay's bindings; a new binding must be added to the man page (and here).
        #expect(HelpView.bindings.count == 13)
        for key in ["Tab", "Shift\\-Tab", ".BR \\(ua \" \" \\(da \" \" j \" \" k", "PgUp", "PgDn", "Home", "End", ".B /", ".B o", ".B s", ".B x",
                    ".B a", ".B r", ".B ?", "Ctrl\\-C"] {
            #expect(Self.page.contains(key), "the man page lacks \(key)")
        }
    }

    @Test func documentsTheThemeFormatAndEveryRole() {
        #expect(Self.page.contains(".SH THEMES"))
        for role in Role.allCases { #expect(Self.page.contains(".BR \(role.rawValue)") || Self.page.contains(" \(role.rawValue) ") || Self.page.contains("\" \(role.rawValue) \""), "\(role)") }
        for colour in ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white", "bright\\-"] { #expect(Self.page.contains(colour)) }
        for view in ViewKind.allCases { #expect(Self.page.contains(".B \(view.rawValue) \(view.title)"), "\(view)") }
    }
}
