/// Token lifetimes as people write them: `90s`, `45m`, `12h`, `30d`, `1y` (a whole number and a unit).
package enum TokenLifetime {
    /// Default lifetime of people's tokens.
    package static let people: Duration = .seconds(30 * 86_400)
    /// Default lifetime of nodes' tokens and certificates.
    package static let nodes: Duration = .seconds(365 * 86_400)
    /// The longest lifetime anyone may ask for.
    package static let maximum: Duration = .seconds(100 * 365 * 86_400)

    package static func parse(_ text: String) throws(TokenLifetimeError) -> Duration {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 7 * 86_400, "y": 365 * 86_400]
        guard let unit = text.last, let scale = units[unit], let count = Int64(text.dropLast()), count > 0,
            Duration.seconds(count) <= TokenLifetime.maximum / Int(scale)
        else {
            throw TokenLifetimeError(
                text: text
            )
        }
        return .seconds(count * scale)
    }
}

/// A lifetime that `TokenLifetime.parse` cannot read.
package struct TokenLifetimeError: Error, Sendable, Hashable, CustomStringConvertible {
    package var text: String

    package var description: String {
        "'\(self.text)' is not a lifetime: write a whole number and a unit, s, m, h, d, w or y (90s, 12h, 30d, 1y), up to 100 years."
    }
}
