package import Foundation

/// A filter and page for list queries.
package struct ListQuery: Sendable, Hashable {
    package var limit: Int = 50
    package var offset: Int = 0
    /// column → value equality filters (only columns the caller allows).
    package var filters: [String: String] = [:]
    /// Only entries created at or after this time (where the list has a time).
    package var since: Date? = nil

    package init(limit: Int = 50, offset: Int = 0, filters: [String: String] = [:]) {
        self.limit = limit
        self.offset = offset
        self.filters = filters
    }
}
