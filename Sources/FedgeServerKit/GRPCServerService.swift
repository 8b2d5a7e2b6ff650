package import GRPCCore
import ServiceLifecycle

/// A gRPC server as a swift-service-lifecycle `Service`: it serves until the service group shuts down, then stops
/// taking new calls, gives the calls in flight `drainTime` to finish, and cancels what is left.
package struct GRPCServerService<Transport: ServerTransport>: Service {
    package let server: GRPCServer<Transport>
    package let drainTime: Duration

    package init(server: GRPCServer<Transport>, drainTime: Duration = .seconds(2)) {
        self.server = server
        self.drainTime = drainTime
    }

    package func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.server.serve() }
            group.addTask {
                // Returns when the group shuts down; throws when the server stopped first and this was cancelled.
                try await gracefulShutdown()
                self.server.beginGracefulShutdown()
                try await Task.sleep(for: self.drainTime)
                throw CancellationError()
            }
            // The server ends first (it drained in time), or the drain deadline cancels it.
            do {
                try await group.next()
            } catch is CancellationError {}
            group.cancelAll()
        }
    }
}

/// A long-running piece of a daemon, given as a closure, as a `Service`: cancelled when the group shuts down.
///
/// A body that answers that cancellation by throwing `CancellationError` (a `Task.sleep`, or a GRDB access
/// begun just as the cancellation came) has ended as asked: the service returns, and the group's shutdown stays a
/// clean one instead of failing with the error.
package struct TaskService: Service {
    package let name: String
    package let body: @Sendable () async throws -> Void

    package init(name: String, body: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.body = body
    }

    package func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await self.body()
            }
        } catch is CancellationError where Task.isShuttingDownGracefully || Task.isCancelled {}
    }
}
