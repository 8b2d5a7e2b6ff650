import FedgeAPIModels
import Foundation

/// Short human forms of numbers, sizes, times and hashes.
enum Format {
    static func clock(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss"
        return formatter.string(from: date)
    }

    static func ago(_ date: Date?, now: Date) -> String {
        guard let date else { return "-" }
        let seconds = max(0, Int(now.timeIntervalSince(date)))
        if seconds < 2 { return "now" }
        if seconds < 90 { return "\(seconds)s ago" }
        if seconds < 5400 { return "\(seconds / 60)m ago" }
        if seconds < 172_800 { return "\(seconds / 3600)h ago" }
        return "\(seconds / 86400)d ago"
    }

    static func duration(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite else { return "-" }
        if seconds < 10 { return String(format: "%.1fs", seconds) }
        if seconds < 120 { return "\(Int(seconds))s" }
        return "\(Int(seconds) / 60)m\(String(format: "%02d", Int(seconds) % 60))s"
    }

    static func bytes(_ value: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var amount = Double(value)
        var unit = 0
        while amount >= 1024 && unit < units.count - 1 {
            amount /= 1024
            unit += 1
        }
        return unit == 0 ? "\(value) B" : String(format: "%.1f %@", amount, units[unit])
    }

    static func hash(_ id: String?) -> String { id.map { String($0.prefix(12)) } ?? "-" }

    static func metric(_ value: Double) -> String {
        abs(value) >= 1000 || (abs(value) < 0.001 && value != 0)
            ? String(format: "%.3g", value)
            : String(format: "%.4f", value)
                .replacingOccurrences(of: #"\.?0+$"#, with: "", options: .regularExpression)
    }

    static func metrics(_ metrics: [String: Double], limit: Int = 3) -> String {
        metrics.sorted { $0.key < $1.key }.prefix(limit).map { "\($0.key)=\(Self.metric($0.value))" }.joined(
            separator: " "
        )
    }
}
