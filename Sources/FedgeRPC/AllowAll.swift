package import GRPCCore

/// Admits every call: the default before tokens exist.
package struct AllowAll: CallAuthorizer {
    package init() {}
    package func authorize(method: MethodDescriptor, bearerToken: String?) async throws {}
}
