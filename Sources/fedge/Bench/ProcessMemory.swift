import Foundation

/// A process's resident memory as Linux reports it in /proc/PID/status, in KiB: now (VmRSS) and at its peak since
/// it started (VmHWM).
struct ProcessMemory: Sendable, Hashable {
    var residentKiB: Int64
    var peakKiB: Int64

    /// Reads `/proc/<pid>/status`; `nil` when the process is gone or the system has no /proc (macOS).
    static func sample(pid: Int32) -> ProcessMemory? {
        (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)).flatMap(Self.parse)
    }

    /// The VmRSS and VmHWM lines of a status text (`VmRSS:     12345 kB`); `nil` when either is missing.
    static func parse(_ status: String) -> ProcessMemory? {
        var resident: Int64?
        var peak: Int64?
        for line in status.split(separator: "\n") {
            if line.hasPrefix("VmRSS:") {
                resident = Self.kilobytes(line)
            } else if line.hasPrefix("VmHWM:") {
                peak = Self.kilobytes(line)
            }
        }
        guard let resident, let peak else { return nil }
        return ProcessMemory(residentKiB: resident, peakKiB: peak)
    }

    /// The number after the field's name.
    private static func kilobytes(_ line: Substring) -> Int64? {
        line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap { Int64($0) }
    }
}
