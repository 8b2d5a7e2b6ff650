import FedgeCore
package import Foundation
import JWTKit
import NIOConcurrencyHelpers

/// Checks tokens: the signature against the controller's public key, the issuer, the expiry and the revocation
/// list. The controller and every combiner hold one; the controller updates its combiners' revocation lists.
package final class TokenVerifier: Sendable {
    private let keys: JWTKeyCollection
    private let revoked: NIOLockedValueBox<Set<String>>
    /// The public key tokens are checked with (PEM).
    package let publicKeyPEM: String

    package init(publicKeyPEM: String, revoked: Set<String> = []) async throws {
        let key = try ES256PublicKey(pem: publicKeyPEM)
        self.publicKeyPEM = publicKeyPEM
        self.keys = JWTKeyCollection()
        await self.keys.add(ecdsa: key)
        self.revoked = NIOLockedValueBox(revoked)
    }

    /// Replaces the revocation list.
    package func setRevoked(_ ids: Set<String>) { self.revoked.withLockedValue { $0 = ids } }

    /// Adds one id to the revocation list.
    package func revoke(_ id: String) { _ = self.revoked.withLockedValue { $0.insert(id) } }

    package func isRevoked(_ id: String) -> Bool { self.revoked.withLockedValue { $0.contains(id) } }

    /// The ids on the revocation list.
    package var revokedIDs: Set<String> { self.revoked.withLockedValue { $0 } }

    /// The subject a bearer token claims, unverified: only to name the caller of a refused call in the audit trail.
    package func claimedSubject(authorization header: String?) async -> String? {
        guard let header, header.hasPrefix("Bearer ") else { return nil }
        guard let claims = try? await self.keys.unverified(String(header.dropFirst(7)), as: TokenClaims.self),
            NodeName.isValid(claims.subject)
        else { return nil }
        return claims.subject
    }

    /// The claims of a valid token; a typed refusal that says why otherwise.
    package func verify(_ token: String, now: Date = Date()) async throws(AccessError) -> TokenClaims {
        let claims: TokenClaims
        do {
            claims = try await self.keys.verify(token, as: TokenClaims.self)
        } catch let error as AccessError {
            throw error
        } catch {
            throw .invalidToken(Self.why(error))
        }
        guard claims.expiresAt > now else {
            throw .expired(id: claims.id, at: ISO8601DateFormatter().string(from: claims.expiresAt))
        }
        guard !self.isRevoked(claims.id) else { throw .revoked(id: claims.id) }
        return claims
    }

    /// `Bearer TOKEN` → the claims.
    package func verify(authorization header: String?, now: Date = Date()) async throws(AccessError) -> TokenClaims {
        guard let header, header.hasPrefix("Bearer "), header.count > 7 else { throw .missingToken }
        return try await self.verify(String(header.dropFirst(7)), now: now)
    }

    private static func why(_ error: any Error) -> String {
        if let error = error as? JWTError {
            switch error.errorType {
            case .signatureVerificationFailed: return "its signature does not match this controller's key"
            case .malformedToken: return "it is not a well-formed token"
            default: return "\(error.reason ?? "\(error.errorType)")"
            }
        }
        return "it could not be read"
    }
}
