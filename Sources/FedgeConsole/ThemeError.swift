import Foundation

/// Why a theme file cannot be used.
package struct ThemeError: Error, Sendable, Hashable, CustomStringConvertible {
    package var description: String
}
