import FedgeConsole
import Foundation
import Testing

@Suite("Console themes")
struct ThemeTests {
    static let themes = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("themes")

    @Test(arguments: [("dark", Theme.dark), ("light", Theme.light), ("mono", Theme.monochromeTheme)])
    func builtInThemesEqualTheirFiles(name: String, builtIn: Theme) throws {
        let text = try String(contentsOf: Self.themes.appendingPathComponent("\(name).theme"), encoding: .utf8)
        let file = try Theme.parse(text, name: name)
        #expect(file == builtIn)
    }

    @Test func parsesStyles() throws {
        let theme = try Theme.parse(
            "title = bright-cyan on blue bold underline\n# comment\nselected = reverse  # trailing\n",
            name: "t"
        )
        #expect(theme.style(.title) == Style(foreground: .brightCyan, background: .blue, bold: true, underline: true))
        #expect(theme.style(.selected) == Style(reverse: true))
        #expect(theme.style(.chart) == theme.style(.normal))
    }

    @Test(arguments: [
        ("titel = red", "'titel' is not a role"),
        ("title = purple", "'purple' is not a colour"),
        ("title = red on", "'on' must be followed by a colour"),
        ("just words", "is not ROLE = STYLE"),
    ])
    func refusesBadLinesWithTheLineNumber(text: String, message: String) {
        #expect(throws: ThemeError.self) { try Theme.parse("name = x\n" + text, name: "x") }
        do {
            _ = try Theme.parse("name = x\n" + text, name: "x")
        } catch {
            #expect(error.description.contains("line 2") && error.description.contains(message), "\(error)")
        }
    }
}
