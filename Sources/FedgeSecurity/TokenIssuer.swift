import FedgeCore
package import Foundation
import JWTKit

/// Signs tokens with the controller's private key (ES256). Only the controller holds one.
package struct TokenIssuer: Sendable {
    private let keys: JWTKeyCollection
    /// The public half, in PEM, handed to combiners so they can verify clients' tokens.
    package let publicKeyPEM: String

    package init(privateKeyPEM: String) async throws {
        let key = try ES256PrivateKey(pem: privateKeyPEM)
        self.keys = JWTKeyCollection()
        await self.keys.add(ecdsa: key)
        self.publicKeyPEM = key.publicKey.pemRepresentation
    }

    /// A new signing key, in PEM.
    package static func makePrivateKeyPEM() -> String { ES256PrivateKey().pemRepresentation }

    /// A signed token for `subject` in `role`, valid for `ttl`, with a fresh id.
    package func issue(
        subject: String,
        role: Role,
        ttl: Duration,
        now: Date = Date()
    ) async throws -> (token: String, claims: TokenClaims) {
        let claims = TokenClaims(
            subject: subject,
            role: role,
            id: Self.newID(),
            issuedAt: now,
            expiresAt: now.addingTimeInterval(ttl.inSeconds)
        )
        return (try await self.keys.sign(claims), claims)
    }

    /// A token id: `tok_` and 16 random hex digits.
    package static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        return "tok_"
            + (0..<8).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }
}
