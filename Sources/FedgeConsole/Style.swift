import Foundation

/// How one role looks.
package struct Style: Sendable, Hashable {
    package var foreground: ThemeColor = .default
    package var background: ThemeColor = .default
    package var bold = false
    package var dim = false
    package var reverse = false
    package var underline = false

    package init(
        foreground: ThemeColor = .default,
        background: ThemeColor = .default,
        bold: Bool = false,
        dim: Bool = false,
        reverse: Bool = false,
        underline: Bool = false
    ) {
        self.foreground = foreground
        self.background = background
        self.bold = bold
        self.dim = dim
        self.reverse = reverse
        self.underline = underline
    }
}
