package import FedgeSecurity
package import Foundation

/// Identities for tests that run nodes without a controller: a CA and a token key in memory, and kits made from
/// them as `fedge combiner enroll` / `fedge client enroll` would.
package struct TestIdentities: Sendable {
    package let authority: CertificateAuthority
    package let issuer: TokenIssuer

    package init() async throws {
        self.authority = try CertificateAuthority()
        self.issuer = try await TokenIssuer(privateKeyPEM: TokenIssuer.makePrivateKeyPEM())
    }

    /// A verifier for this key.
    package func verifier() async throws -> TokenVerifier {
        try await TokenVerifier(publicKeyPEM: self.issuer.publicKeyPEM)
    }

    /// A token for `name` in `role`.
    package func token(_ name: String, _ role: Role = .client, ttl: Duration = .seconds(3600)) async throws -> String {
        try await self.issuer.issue(subject: name, role: role, ttl: ttl).token
    }

    /// A kit for `name` in `role` (a combiner's certificate names localhost and 127.0.0.1).
    package func kit(_ name: String, _ role: Role, controller: String = "127.0.0.1:1") async throws -> Kit {
        let (token, claims) = try await self.issuer.issue(subject: name, role: role, ttl: .seconds(3600))
        return Kit(
            role: role,
            name: name,
            controller: controller,
            ca: try self.authority.certificatePEM,
            certificate: try self.authority.issue(
                name: name,
                role: role,
                hosts: role == .combiner ? ["localhost", "127.0.0.1"] : []
            ),
            token: token,
            tokenID: claims.id,
            expiresAt: claims.expiresAt,
            tokenPublicKey: self.issuer.publicKeyPEM
        )
    }
}
