/// A session config field that cannot be used, with what to do about it.
package struct SessionConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    package var field: String
    package var message: String

    package init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    package var description: String { self.message }
}
