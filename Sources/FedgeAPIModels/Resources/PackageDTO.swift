package import Foundation

/// A compute package the controller holds.
package struct PackageDTO: Sendable, Hashable, Codable {
    package var id: String
    package var name: String
    package var size: Int64
    package var createdAt: Date
    /// Whether new sessions run it (when they name no package).
    package var active: Bool

    package init(id: String, name: String, size: Int64, createdAt: Date, active: Bool = false) {
        self.id = id
        self.name = name
        self.size = size
        self.createdAt = createdAt
        self.active = active
    }
}
