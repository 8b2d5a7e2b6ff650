/// The names of clients, combiners and token subjects: 1 to 128 characters of letters, digits, `.`, `_` and `-`,
/// starting with a letter or a digit. Names appear in paths, logs, certificates and tables; nothing else gets in.
package enum NodeName {
    package static let maxLength = 128

    /// Returns `name` when it is a valid name; throws a sentence that says what is wrong otherwise.
    @discardableResult
    package static func validate(_ name: String, what: String = "name") throws(NodeNameError) -> String {
        guard !name.isEmpty else { throw NodeNameError("the \(what) is empty") }
        guard name.utf8.count <= Self.maxLength else {
            throw NodeNameError("the \(what) has \(name.utf8.count) characters; at most \(Self.maxLength) are allowed")
        }
        guard let first = name.unicodeScalars.first, Self.isAlphanumeric(first) else {
            throw NodeNameError("the \(what) '\(name.prefix(40))' must start with a letter or a digit")
        }
        guard name.unicodeScalars.allSatisfy({ Self.isAlphanumeric($0) || $0 == "." || $0 == "_" || $0 == "-" }) else {
            throw NodeNameError(
                "the \(what) '\(name.prefix(40))' may hold only letters, digits, '.', '_' and '-'"
            )
        }
        return name
    }

    package static func isValid(_ name: String) -> Bool { (try? Self.validate(name)) != nil }

    private static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }
}

/// A name that is not a valid `NodeName`.
package struct NodeNameError: Error, Sendable, Hashable, CustomStringConvertible {
    package var description: String

    package init(_ description: String) { self.description = description }
}
