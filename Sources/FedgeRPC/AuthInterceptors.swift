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

/// Decides whether a caller's credentials admit it to a method. The governance work fills this in with JWT
/// verification; until then daemons use `AllowAll`.
package protocol CallAuthorizer: Sendable {
    /// Returns normally to admit the call; throws (ideally a `RefusalError`) to refuse it.
    func authorize(method: MethodDescriptor, bearerToken: String?) async throws
}

/// Admits every call: the default before tokens exist.
package struct AllowAll: CallAuthorizer {
    package init() {}
    package func authorize(method: MethodDescriptor, bearerToken: String?) async throws {}
}

/// Runs a `CallAuthorizer` before every call a server handles.
package struct AuthorizingInterceptor: ServerInterceptor {
    package let authorizer: any CallAuthorizer

    package init(authorizer: any CallAuthorizer) { self.authorizer = authorizer }

    @concurrent
    package func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @concurrent @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let header = request.metadata[stringValues: "authorization"].first(where: { _ in true })
        let token = header.flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        try await self.authorizer.authorize(method: context.descriptor, bearerToken: token)
        return try await next(request, context)
    }
}
