import Foundation

/// Short human forms of ids, durations, times, sizes and metrics.
enum Format {
    /// The first 12 characters of a hash, or `-`.
    static func hash(_ id: String?) -> String {
        guard let id, !id.isEmpty else { return "-" }
        return String(id.prefix(12))
    }

    /// `0.4s`, `4.2s`, `3m12s`, `1h02m`.
    static func duration(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite else { return "-" }
        if seconds < 60 { return String(format: "%.1fs", max(seconds, 0)) }
        let total = Int(seconds.rounded())
        if total < 3600 { return "\(total / 60)m\(String(format: "%02d", total % 60))s" }
        return "\(total / 3600)h\(String(format: "%02d", (total % 3600) / 60))m"
    }

    /// `just now`, `12s ago`, `5m ago`, `3h ago`, `2d ago`, or `in 40s` for a time still to come.
    static func relative(_ date: Date?, now: Date = Date()) -> String {
        guard let date else { return "-" }
        let seconds = now.timeIntervalSince(date)
        let magnitude = Int(abs(seconds).rounded())
        if magnitude < 1 { return "just now" }
        let amount: String
        switch magnitude {
        case ..<60: amount = "\(magnitude)s"
        case ..<3600: amount = "\(magnitude / 60)m"
        case ..<86_400: amount = "\(magnitude / 3600)h"
        default: amount = "\(magnitude / 86_400)d"
        }
        return seconds >= 0 ? "\(amount) ago" : "in \(amount)"
    }

    /// A date as ISO 8601 in UTC, to the second.
    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle())
    }

    /// `512 B`, `1.2 KiB`, `3.4 MiB`, `1.1 GiB`.
    static func bytes(_ count: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f", value) + " " + units[unit]
    }

    /// A number without a trailing `.0` when whole, else to 4 significant digits.
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(format: "%.4g", value)
    }

    /// `accuracy=0.9123 loss=0.2301`, names sorted; `-` when empty.
    static func metrics(_ metrics: [String: Double]) -> String {
        guard !metrics.isEmpty else { return "-" }
        return metrics.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.number($0.value))" }.joined(separator: " ")
    }

    /// `value` or `-`.
    static func optional(_ value: String?) -> String {
        guard let value, !value.isEmpty else { return "-" }
        return value
    }
}
