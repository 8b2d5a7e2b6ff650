package import FedgeCore
import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Samples the node's CPU, memory and disk from /proc and statvfs (Linux). Keeps the previous CPU counters so each
/// sample reports the use since the last one.
package struct TelemetrySampler: Sendable {
    private var previousBusy: UInt64 = 0
    private var previousTotal: UInt64 = 0
    /// The directory whose file system's free space is reported.
    package var diskPath: String

    package init(diskPath: String) { self.diskPath = diskPath }

    package mutating func sample() -> Telemetry {
        var telemetry = Telemetry()
        telemetry.cores = Foundation.ProcessInfo.processInfo.activeProcessorCount
        if let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = stat.split(separator: "\n").first, line.hasPrefix("cpu ")
        {
            let fields = line.split(separator: " ").dropFirst().compactMap { UInt64($0) }
            if fields.count >= 4 {
                let idle = fields[3] + (fields.count > 4 ? fields[4] : 0)
                let total = fields.reduce(0, +)
                let busy = total - idle
                if total > self.previousTotal, self.previousTotal > 0 {
                    telemetry.cpuPercent = 100 * Double(busy - self.previousBusy) / Double(total - self.previousTotal)
                }
                self.previousBusy = busy
                self.previousTotal = total
            }
        }
        if let meminfo = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) {
            var values: [String: UInt64] = [:]
            for line in meminfo.split(separator: "\n") {
                let parts = line.split(separator: " ", omittingEmptySubsequences: true)
                if parts.count >= 2, let kb = UInt64(parts[1]) { values[String(parts[0].dropLast())] = kb * 1024 }
            }
            telemetry.memoryTotalBytes = values["MemTotal"] ?? 0
            telemetry.memoryUsedBytes = telemetry.memoryTotalBytes - (values["MemAvailable"] ?? 0)
        }
        telemetry.processRssBytes = Self.residentBytes()
        telemetry.diskFreeBytes = Self.freeBytes(at: self.diskPath)
        return telemetry
    }

    /// The free space of the file system holding `path`, or 0 when it cannot be read.
    package static func freeBytes(at path: String) -> UInt64 {
        var fs = statvfs()
        guard statvfs(path, &fs) == 0 else { return 0 }
        return UInt64(fs.f_bavail) * UInt64(fs.f_frsize)
    }

    /// This process's resident set size.
    package static func residentBytes() -> UInt64 {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            if parts.count >= 2, let kb = UInt64(parts[1]) { return kb * 1024 }
        }
        return 0
    }
}

extension TelemetrySampler {
    private struct Recent {
        var sampler: TelemetrySampler
        var telemetry: Telemetry
        var at: ContinuousClock.Instant
    }

    /// The process's newest sample of the node.
    private static let recent = NIOLockedValueBox<Recent?>(nil)

    /// A sample of the node's CPU and memory no older than `maxAge`, shared by every caller in the process, with
    /// the free space at `diskPath` read now. The clients one process runs are on the same node, so one of them
    /// reads the three /proc files and the others reuse what it read: with 500 clients in a process heartbeating
    /// every 5 s, that is one reading a second instead of a hundred.
    package static func shared(diskPath: String, maxAge: Duration = .seconds(1)) -> Telemetry {
        let now = ContinuousClock.now
        var telemetry = Self.recent.withLockedValue { recent in
            if let newest = recent, now - newest.at < maxAge { return newest.telemetry }
            var sampler = recent?.sampler ?? TelemetrySampler(diskPath: diskPath)
            let telemetry = sampler.sample()
            recent = Recent(sampler: sampler, telemetry: telemetry, at: now)
            return telemetry
        }
        telemetry.diskFreeBytes = Self.freeBytes(at: diskPath)
        return telemetry
    }
}
