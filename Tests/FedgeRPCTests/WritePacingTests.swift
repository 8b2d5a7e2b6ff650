import FedgeRPC
import NIOCore
import NIOPosix
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Write pacing")
struct WritePacingTests {
    @Test("a sender waits each time its bytes cross an interval, not before")
    func dueAtEveryInterval() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let pacing = WritePacing(interval: 100, group: group)
        #expect(!pacing.isDue(sent: 60, last: 60))
        #expect(pacing.isDue(sent: 100, last: 40))
        #expect(!pacing.isDue(sent: 150, last: 50))
        #expect(pacing.isDue(sent: 210, last: 60))
        #expect(pacing.isDue(sent: 520, last: 310))
    }

    @Test("settling waits for the work already queued on every event loop")
    func settleWaitsForQueuedWork() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let done = Atomic(0)
        for loop in group.makeIterator() {
            loop.execute {
                usleep(50_000)
                done.add(1, ordering: .relaxed)
            }
        }
        try await WritePacing(interval: 1, group: group).settle()
        #expect(done.load(ordering: .relaxed) == 2)
        try await group.shutdownGracefully()
    }
}
