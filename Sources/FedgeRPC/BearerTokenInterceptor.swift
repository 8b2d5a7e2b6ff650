package import GRPCCore

/// Adds `authorization: Bearer TOKEN` to every call a node makes, when it has a token.
package struct BearerTokenInterceptor: ClientInterceptor {
    /// The token, or `nil` to send the calling task's `taskToken` (clients sharing one channel).
    package let token: String?

    package init(token: String) { self.token = token }

    private init() { self.token = nil }

    /// Sends whatever token the calling task set in `taskToken`.
    package static let perTask = BearerTokenInterceptor()

    /// The token of the calling task, for a channel shared by several clients.
    @TaskLocal package static var taskToken: String?

    @concurrent
    package func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingClientRequest<Input>,
        context: ClientContext,
        next: @concurrent (StreamingClientRequest<Input>, ClientContext) async throws -> StreamingClientResponse<Output>
    ) async throws -> StreamingClientResponse<Output> {
        var request = request
        if let token = self.token ?? Self.taskToken {
            request.metadata.replaceOrAddString("Bearer \(token)", forKey: "authorization")
        }
        return try await next(request, context)
    }
}
