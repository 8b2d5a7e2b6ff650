package import GRPCCore

/// Adds `authorization: Bearer TOKEN` to every call a node makes, when it has a token.
package struct BearerTokenInterceptor: ClientInterceptor {
    package let token: String

    package init(token: String) { self.token = token }

    @concurrent
    package func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingClientRequest<Input>,
        context: ClientContext,
        next: @concurrent (StreamingClientRequest<Input>, ClientContext) async throws -> StreamingClientResponse<Output>
    ) async throws -> StreamingClientResponse<Output> {
        var request = request
        request.metadata.replaceOrAddString("Bearer \(self.token)", forKey: "authorization")
        return try await next(request, context)
    }
}
