import Foundation

/// The result of checking the audit trail's hash chain.
package struct AuditCheckDTO: Sendable, Hashable, Codable {
    /// How many events were checked.
    package var events: Int
    /// The first event whose hash does not follow from the one before (absent when the chain is sound).
    package var brokenAt: Int64?
    /// The hash of the last sound entry: keep it elsewhere to anchor the trail (an edit before it breaks the chain,
    /// a rewrite of the whole chain changes it).
    package var head: String

    package init(events: Int, brokenAt: Int64?, head: String) {
        self.events = events
        self.brokenAt = brokenAt
        self.head = head
    }
}
