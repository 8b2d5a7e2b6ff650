import Foundation

/// A node's resource use, as its last heartbeat reported.
package struct TelemetryDTO: Sendable, Hashable, Codable {
    package var cpuPercent: Double
    package var memoryUsedBytes: UInt64
    package var memoryTotalBytes: UInt64
    package var diskFreeBytes: UInt64
    package var processRssBytes: UInt64
    package var cores: Int

    package init(
        cpuPercent: Double,
        memoryUsedBytes: UInt64,
        memoryTotalBytes: UInt64,
        diskFreeBytes: UInt64,
        processRssBytes: UInt64,
        cores: Int
    ) {
        self.cpuPercent = cpuPercent
        self.memoryUsedBytes = memoryUsedBytes
        self.memoryTotalBytes = memoryTotalBytes
        self.diskFreeBytes = diskFreeBytes
        self.processRssBytes = processRssBytes
        self.cores = cores
    }
}
