package import GRPCCore

/// Runs a `CallAuthorizer` before every call a server handles.
package struct AuthorizingInterceptor: ServerInterceptor {
    package let authorizer: any CallAuthorizer

    package init(authorizer: any CallAuthorizer) { self.authorizer = authorizer }

    @concurrent
    package func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next:
            @concurrent @Sendable (StreamingServerRequest<Input>, ServerContext) async throws ->
            StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let header = request.metadata[stringValues: "authorization"].first(where: { _ in true })
        let token = header.flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        try await self.authorizer.authorize(method: context.descriptor, bearerToken: token)
        return try await next(request, context)
    }
}
