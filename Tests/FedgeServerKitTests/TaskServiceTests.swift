import FedgeServerKit
import Logging
import ServiceLifecycle
import Testing

@Suite("A daemon's task services and their shutdown")
struct TaskServiceTests {
    /// A body that answers the shutdown's cancellation by throwing (a sleep, a GRDB access begun just then) ended as
    /// asked: the group's shutdown is clean. Before, the group's `run()` threw the `CancellationError`, a test's
    /// controller "failed" on its way down, and a daemon stopped by SIGTERM could exit as if it had crashed.
    @Test func aBodyThatThrowsCancellationOnShutdownEndsCleanly() async throws {
        let logger = Logger(label: "test")
        let (started, start) = AsyncStream.makeStream(of: Void.self)
        let service = TaskService(name: "sleeper") {
            start.yield()
            while true { try await Task.sleep(for: .seconds(3600)) }
        }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [service], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = started.makeAsyncIterator()
            _ = await iterator.next()
            await group.triggerGracefulShutdown()
            try await tasks.next()
        }
    }

    /// Any other error still fails the group: only the cancellation the shutdown asked for is taken as an end.
    @Test func otherErrorsStillFailTheGroup() async throws {
        struct Broken: Error {}
        let logger = Logger(label: "test")
        let service = TaskService(name: "broken") { throw Broken() }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [service], logger: logger))
        await #expect(throws: Broken.self) { try await group.run() }
    }
}
