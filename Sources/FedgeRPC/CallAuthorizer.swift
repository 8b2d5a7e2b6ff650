package import GRPCCore

/// Decides whether a caller's credentials admit it to a method. The governance work fills this in with JWT
/// verification; until then daemons use `AllowAll`.
package protocol CallAuthorizer: Sendable {
    /// Returns normally to admit the call; throws (ideally a `RefusalError`) to refuse it.
    func authorize(method: MethodDescriptor, bearerToken: String?) async throws
}
