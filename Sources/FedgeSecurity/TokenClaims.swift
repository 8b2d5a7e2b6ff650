package import Foundation
package import JWTKit

/// What a Fedge token says: who (subject), as what (role), until when, and its id (what revocation names).
package struct TokenClaims: JWTPayload, Sendable, Hashable {
    /// Every Fedge token carries this issuer.
    package static let issuerName = "fedge"

    package var sub: SubjectClaim
    package var role: Role
    package var exp: ExpirationClaim
    package var iat: IssuedAtClaim
    package var jti: IDClaim
    package var iss: IssuerClaim

    package init(subject: String, role: Role, id: String, issuedAt: Date, expiresAt: Date) {
        self.sub = SubjectClaim(value: subject)
        self.role = role
        self.exp = ExpirationClaim(value: expiresAt)
        self.iat = IssuedAtClaim(value: issuedAt)
        self.jti = IDClaim(value: id)
        self.iss = IssuerClaim(value: Self.issuerName)
    }

    package var subject: String { self.sub.value }
    package var id: String { self.jti.value }
    package var expiresAt: Date { self.exp.value }
    package var issuedAt: Date { self.iat.value }

    /// The signature is checked by jwt-kit; expiry and revocation by `TokenVerifier`, which says which failed.
    package func verify(using algorithm: some JWTAlgorithm) async throws {
        guard self.iss.value == Self.issuerName else { throw AccessError.invalidToken("issuer is not fedge") }
    }

    package static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.subject == rhs.subject && lhs.role == rhs.role && lhs.id == rhs.id && lhs.expiresAt == rhs.expiresAt
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(self.id)
    }
}
