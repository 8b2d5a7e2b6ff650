import Foundation

/// Named colours for each UI role, read from a small text file:
///
/// ```
/// # fedge console theme
/// name = dark
/// title = bright-cyan bold
/// selected = black on cyan
/// error = bright-red bold
/// ```
///
/// Each line is `ROLE = [FOREGROUND] [on BACKGROUND] [bold] [dim] [reverse] [underline]`; roles left out look
/// like `normal`. `monochrome = true` makes the console draw without colours (attributes only).
package struct Theme: Sendable, Hashable {
    package var name: String
    package var styles: [Role: Style]
    package var monochrome: Bool

    package init(name: String, styles: [Role: Style], monochrome: Bool = false) {
        self.name = name
        self.styles = styles
        self.monochrome = monochrome
    }

    package func style(_ role: Role) -> Style { self.styles[role] ?? self.styles[.normal] ?? Style() }

    /// Parses a theme file's text.
    package static func parse(_ text: String, name fallbackName: String) throws(ThemeError) -> Theme {
        var theme = Theme(name: fallbackName, styles: [:])
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line =
                raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)?
                .trimmingCharacters(in: .whitespaces) ?? ""
            if line.isEmpty { continue }
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty else {
                throw ThemeError(description: "line \(index + 1): '\(line)' is not ROLE = STYLE")
            }
            let key = parts[0].lowercased()
            if key == "name" {
                theme.name = parts[1]
                continue
            }
            if key == "monochrome" {
                theme.monochrome = parts[1].lowercased() == "true"
                continue
            }
            guard
                let role = Role.allCases.first(where: {
                    $0.rawValue.lowercased() == key.replacingOccurrences(of: "-", with: "")
                })
            else {
                throw ThemeError(
                    description:
                        "line \(index + 1): '\(parts[0])' is not a role; the roles are \(Role.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            theme.styles[role] = try Self.parseStyle(parts[1], line: index + 1)
        }
        return theme
    }

    private static func parseStyle(_ text: String, line: Int) throws(ThemeError) -> Style {
        var style = Style()
        var words = text.lowercased().split(separator: " ").map(String.init)[...]
        var sawForeground = false
        while let word = words.popFirst() {
            switch word {
            case "bold": style.bold = true
            case "dim": style.dim = true
            case "reverse": style.reverse = true
            case "underline": style.underline = true
            case "on":
                guard let next = words.popFirst(), let color = ThemeColor(rawValue: next) else {
                    throw ThemeError(
                        description: "line \(line): 'on' must be followed by a colour (\(Self.colourList))"
                    )
                }
                style.background = color
            default:
                guard !sawForeground, let color = ThemeColor(rawValue: word) else {
                    throw ThemeError(
                        description:
                            "line \(line): '\(word)' is not a colour (\(Self.colourList)) or bold, dim, reverse, underline"
                    )
                }
                style.foreground = color
                sawForeground = true
            }
        }
        return style
    }

    private static var colourList: String { ThemeColor.allCases.map(\.rawValue).joined(separator: ", ") }

    // MARK: Built-in themes (the same as the files in themes/)

    package static let dark = try! Theme.parse(
        """
        name = dark
        normal = default
        dim = bright-black
        title = bright-cyan bold
        header = cyan bold
        selected = black on cyan
        border = blue
        accent = bright-magenta
        ok = green
        warn = yellow
        error = bright-red bold
        status = black on white
        statusError = bright-white on red bold
        key = bright-yellow bold
        chart = bright-green
        progress = green
        progressEmpty = bright-black
        tab = default
        tabActive = black on cyan bold
        """,
        name: "dark"
    )

    package static let light = try! Theme.parse(
        """
        name = light
        normal = black
        dim = bright-black
        title = blue bold
        header = blue bold
        selected = white on blue
        border = bright-black
        accent = magenta
        ok = green
        warn = yellow bold
        error = red bold
        status = white on black
        statusError = white on red bold
        key = blue bold
        chart = blue
        progress = green
        progressEmpty = bright-black
        tab = black
        tabActive = white on blue bold
        """,
        name: "light"
    )

    /// Attributes only: for `NO_COLOR`, dumb terminals and terminals without colours.
    package static let monochromeTheme = try! Theme.parse(
        """
        name = mono
        monochrome = true
        dim = dim
        title = bold
        header = bold underline
        selected = reverse
        error = bold
        status = reverse
        statusError = reverse bold
        key = bold
        tabActive = reverse bold
        progressEmpty = dim
        """,
        name: "mono"
    )
}
