package import GRPCCore
package import ServiceLifecycle

/// A gRPC server as a swift-service-lifecycle `Service`: it serves until the service group shuts down, then
/// stops taking new calls and lets the ones in flight finish.
package struct GRPCServerService<Transport: ServerTransport>: Service {
    package let server: GRPCServer<Transport>

    package init(server: GRPCServer<Transport>) { self.server = server }

    package func run() async throws {
        try await withGracefulShutdownHandler {
            try await self.server.serve()
        } onGracefulShutdown: {
            self.server.beginGracefulShutdown()
        }
    }
}

/// A long-running piece of a daemon, given as a closure, as a `Service`: cancelled when the group shuts down.
package struct TaskService: Service {
    package let name: String
    package let body: @Sendable () async throws -> Void

    package init(name: String, body: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.body = body
    }

    package func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await self.body()
        }
    }
}
