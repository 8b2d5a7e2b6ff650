import Foundation

/// A model's ancestors (newest first, ending at its seed) and children.
package struct LineageDTO: Sendable, Hashable, Codable {
    package var model: String
    package var ancestors: [ModelDTO]
    package var children: [ModelDTO]

    package init(model: String, ancestors: [ModelDTO], children: [ModelDTO]) {
        self.model = model
        self.ancestors = ancestors
        self.children = children
    }
}
