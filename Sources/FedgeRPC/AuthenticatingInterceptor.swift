package import FedgeCore
package import FedgeSecurity
import Foundation
package import GRPCCore
import GRPCNIOTransportHTTP2
import X509

/// Proves who makes every call a server handles, and whether the access matrix lets them: the bearer token is
/// verified (signature, expiry, revocation), the method's rule checked against the token's role, and — where the
/// listener asks for it — the peer's TLS certificate must name the same node in the same role. The handler then
/// finds the caller in `Identity.current`.
package struct AuthenticatingInterceptor: ServerInterceptor {
    /// The verifier, or `nil` while it is not known yet (a combiner before its first attach).
    package let verifier: @Sendable () -> TokenVerifier?
    /// Require a client certificate that matches the token (the controller's listener, under TLS).
    package let requireCertificate: Bool
    /// Told of every refusal, to record it.
    package let refused: @Sendable (AccessError, _ method: String, _ address: String, _ claimed: String?) async -> Void

    package init(
        verifier: @escaping @Sendable () -> TokenVerifier?,
        requireCertificate: Bool,
        refused: @escaping @Sendable (AccessError, String, String, String?) async -> Void = { _, _, _, _ in }
    ) {
        self.verifier = verifier
        self.requireCertificate = requireCertificate
        self.refused = refused
    }

    @concurrent
    package func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next:
            @concurrent @Sendable (StreamingServerRequest<Input>, ServerContext) async throws ->
            StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let method = context.descriptor.fullyQualifiedMethod
        let address = context.remotePeer
        guard let verifier = self.verifier() else {
            throw RPCError(
                code: .unavailable,
                message: "this server cannot check tokens yet (a combiner learns the key when it attaches); try again"
            )
        }
        let header = request.metadata[stringValues: "authorization"].first(where: { _ in true })
        let identity: Identity
        do {
            identity = try await self.authenticate(
                header: header,
                method: method,
                address: address,
                context: context,
                verifier: verifier
            )
        } catch {
            await self.refused(error, method, address, await verifier.claimedSubject(authorization: header))
            throw RefusalError(error.refusal, error.description)
        }
        // A handler that finds the caller acting under another name throws an `AccessError`: recorded here too.
        let refused = self.refused
        let noted: @Sendable (any Error) async -> Void = { error in
            if let error = error as? AccessError { await refused(error, method, address, identity.name) }
        }
        var response: StreamingServerResponse<Output>
        do {
            response = try await Identity.$current.withValue(identity) { try await next(request, context) }
        } catch {
            await noted(error)
            throw error
        }
        // Streaming handlers run in the response's producer, after this returns: they see the identity too.
        if case .success(var contents) = response.accepted {
            let producer = contents.producer
            contents.producer = { writer in
                do {
                    return try await Identity.$current.withValue(identity) { try await producer(writer) }
                } catch {
                    await noted(error)
                    throw error
                }
            }
            response.accepted = .success(contents)
        }
        return response
    }

    private func authenticate(
        header: String?,
        method: String,
        address: String,
        context: ServerContext,
        verifier: TokenVerifier
    ) async throws(AccessError) -> Identity {
        let claims = try await verifier.verify(authorization: header)
        if self.requireCertificate {
            let peer = (context.transportSpecific as? HTTP2ServerTransport.Posix.Context)?.peerCertificate
            guard let peer, let named = CertificateAuthority.identity(of: peer) else {
                throw .certificate("this listener needs the node's certificate from its kit, and none was sent")
            }
            guard named.name == claims.subject, named.role == claims.role else {
                throw .certificate(
                    "it names '\(named.name)' (\(named.role.map(\.rawValue) ?? "no role")) but the token names '\(claims.subject)' (\(claims.role))"
                )
            }
        }
        guard try RPCRules.allows(claims.role, method: method) else {
            throw .forbidden(role: claims.role, permission: "call \(method)")
        }
        return Identity(claims, address: address)
    }
}

/// An access error a handler throws crosses the wire as the refusal it maps to.
extension AccessError: RPCErrorConvertible {
    package var rpcErrorCode: RPCError.Code { RefusalError(self.refusal, self.description).rpcErrorCode }
    package var rpcErrorMessage: String { self.description }
    package var rpcErrorMetadata: Metadata { [RefusalError.metadataKey: "\(self.refusal.rawValue)"] }
}

extension AccessError {
    /// The refusal that carries this error across the wire.
    package var refusal: Refusal {
        switch self {
        case .forbidden, .identityMismatch, .noRule: .permissionDenied
        default: .unauthenticated
        }
    }
}

extension Identity {
    /// The caller of the call being handled, or a refusal when the server has none (a server built without the
    /// authenticating interceptor is a bug, and refuses).
    package static func caller() throws(RefusalError) -> Identity {
        guard let identity = Identity.current else {
            throw RefusalError(.unauthenticated, "this call carries no proven identity")
        }
        return identity
    }

    /// Refuses unless the caller acts under its own name.
    package func require(name claimed: String) throws(AccessError) {
        guard claimed == self.name else { throw .identityMismatch(claimed: claimed, proven: self.name) }
    }
}
