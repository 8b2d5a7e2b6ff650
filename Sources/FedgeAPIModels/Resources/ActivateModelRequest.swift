import Foundation

/// `PUT /models/active`.
package struct ActivateModelRequest: Sendable, Hashable, Codable {
    package var model: String

    package init(model: String) { self.model = model }
}
