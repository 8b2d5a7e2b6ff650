/// The limits on a map of metrics a node reports (training and validation metrics, the metrics of an update): at
/// most 64 entries, each named by 1 to 64 bytes without control characters. Reports are stored and shown per round
/// and client, so one client must not be able to fill the database or the console with them.
package enum MetricMap {
    package static let maxEntries = 64
    package static let maxNameLength = 64

    /// Returns `metrics` when it is within the limits; throws a sentence that says what is wrong otherwise.
    @discardableResult
    package static func validate(_ metrics: [String: Double]) throws(MetricMapError) -> [String: Double] {
        guard metrics.count <= Self.maxEntries else {
            throw MetricMapError("the metrics have \(metrics.count) entries; at most \(Self.maxEntries) are allowed")
        }
        for name in metrics.keys {
            guard !name.isEmpty, name.utf8.count <= Self.maxNameLength else {
                throw MetricMapError(
                    "the metric name '\(name.prefix(40))…' has \(name.utf8.count) bytes; names have 1 to \(Self.maxNameLength)"
                )
            }
            guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw MetricMapError("the metric name '\(name.debugDescription.prefix(40))' holds control characters")
            }
        }
        return metrics
    }
}

/// A metric map beyond `MetricMap`'s limits.
package struct MetricMapError: Error, Sendable, Hashable, CustomStringConvertible {
    package var description: String

    package init(_ description: String) { self.description = description }
}
