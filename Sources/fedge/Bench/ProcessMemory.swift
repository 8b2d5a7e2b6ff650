import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A process's resident memory as Linux reports it in /proc/PID/status, in KiB: now (VmRSS) and at its peak since
/// it started (VmHWM).
struct ProcessMemory: Sendable, Hashable {
    var residentKiB: Int64
    var peakKiB: Int64

    /// Reads `/proc/<pid>/status`; `nil` when the process is gone or the system has no /proc (macOS).
    static func sample(pid: Int32) -> ProcessMemory? {
        let fd = open("/proc/\(pid)/status", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var text: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                text.append(contentsOf: chunk[0..<count])
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                break
            }
        }
        return Self.parse(String(decoding: text, as: UTF8.self))
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
