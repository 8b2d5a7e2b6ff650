import Foundation

/// The result of checking the audit trail's hash chain.
package struct AuditCheckDTO: Sendable, Hashable, Codable {
    /// How many events were checked.
    package var events: Int
    /// The first event whose hash does not follow from the one before (absent when the chain is sound).
    package var brokenAt: Int64?

    package init(events: Int, brokenAt: Int64?) {
        self.events = events
        self.brokenAt = brokenAt
    }
}
