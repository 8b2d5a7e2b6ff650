import Foundation

/// The result of checking the model trail.
package struct TrailCheckDTO: Sendable, Hashable, Codable {
    package var models: Int
    package var problems: [String]

    package init(models: Int, problems: [String]) {
        self.models = models
        self.problems = problems
    }
}
