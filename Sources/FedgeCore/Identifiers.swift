/// A typed identifier: a string that names one kind of thing, so that a session id cannot be passed where a task id
/// is wanted. Each conforming type is a one-line struct; this protocol gives them their behaviour.
package protocol StringIdentifier: RawRepresentable, Sendable, Hashable, Comparable, Codable, CustomStringConvertible,
    ExpressibleByStringLiteral
where RawValue == String {
    init(rawValue: String)
}

extension StringIdentifier {
    package init(_ text: String) { self.init(rawValue: text) }

    package init(stringLiteral value: String) { self.init(rawValue: value) }

    package var description: String { self.rawValue }

    package static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    package init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(self.rawValue)
    }
}

/// A session, as the controller names it (`s-1a2b3c4d`).
package struct SessionID: StringIdentifier {
    package let rawValue: String
    package init(rawValue: String) { self.rawValue = rawValue }
}

/// A task, as its combiner names it (`SESSION-rROUND-XXXXXXXX`).
package struct TaskID: StringIdentifier {
    package let rawValue: String
    package init(rawValue: String) { self.rawValue = rawValue }
}

/// A client's connection identity at its combiner (`client-1a2b3c4d`), kept across reconnections under one name.
package struct ClientID: StringIdentifier {
    package let rawValue: String
    package init(rawValue: String) { self.rawValue = rawValue }
}

/// A combiner, by the name it attaches under.
package struct CombinerID: StringIdentifier {
    package let rawValue: String
    package init(rawValue: String) { self.rawValue = rawValue }
}
