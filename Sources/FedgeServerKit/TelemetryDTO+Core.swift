package import FedgeAPIModels
package import FedgeCore

extension TelemetryDTO {
    /// A node's telemetry as both daemons' APIs show it.
    package init(_ telemetry: Telemetry) {
        self.init(
            cpuPercent: telemetry.cpuPercent,
            memoryUsedBytes: telemetry.memoryUsedBytes,
            memoryTotalBytes: telemetry.memoryTotalBytes,
            diskFreeBytes: telemetry.diskFreeBytes,
            processRssBytes: telemetry.processRssBytes,
            cores: telemetry.cores
        )
    }
}
