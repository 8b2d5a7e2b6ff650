import FedgeCore
import FedgeEdge
import FedgeTestSupport
import Foundation
import Testing

@Suite("Telemetry")
struct TelemetrySamplerTests {
    @Test func samplesTheNodeFromProc() throws {
        try #require(FileManager.default.fileExists(atPath: "/proc/meminfo"), "needs Linux's /proc")
        var sampler = TelemetrySampler(diskPath: "/")
        let telemetry = sampler.sample()
        #expect(telemetry.cores >= 1)
        #expect(telemetry.memoryTotalBytes > 0 && telemetry.memoryUsedBytes <= telemetry.memoryTotalBytes)
        #expect(telemetry.processRssBytes > 0)
        #expect(telemetry.diskFreeBytes > 0)
    }

    @Test("Clients in one process share a recent sample of the node, but each reads its own disk")
    func sharedSamplesAreReusedWithinTheirAge() async throws {
        try #require(FileManager.default.fileExists(atPath: "/proc/meminfo"), "needs Linux's /proc")
        try await withTemporaryDirectory { dir in
            let first = TelemetrySampler.shared(diskPath: dir, maxAge: .seconds(3600))
            // Memory in use moves all the time; within the age the same reading comes back.
            _ = [UInt8](repeating: 1, count: 8 << 20)
            let second = TelemetrySampler.shared(diskPath: "/", maxAge: .seconds(3600))
            #expect(second.memoryUsedBytes == first.memoryUsedBytes)
            #expect(second.processRssBytes == first.processRssBytes)
            // Read now, not shared: equal but for what the tests running alongside wrote in between.
            let now = TelemetrySampler.freeBytes(at: "/")
            #expect(max(second.diskFreeBytes, now) - min(second.diskFreeBytes, now) < 256 << 20)
            let fresh = TelemetrySampler.shared(diskPath: dir, maxAge: .zero)
            #expect(fresh.memoryTotalBytes == first.memoryTotalBytes)
            #expect(fresh.diskFreeBytes > 0)
        }
    }
}
