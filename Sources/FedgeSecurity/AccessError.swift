/// Why a caller was refused, with the sentence that tells a person what to do.
package enum AccessError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No token, or a header that is not `Bearer TOKEN`.
    case missingToken
    /// The token's signature, issuer or form is wrong.
    case invalidToken(String)
    /// The token's expiry has passed.
    case expired(id: String, at: String)
    /// The token was revoked.
    case revoked(id: String)
    /// The token's role may not do this.
    case forbidden(role: Role, permission: String)
    /// The caller claims a name that is not the one its token or certificate carries.
    case identityMismatch(claimed: String, proven: String)
    /// A route or method that has no rule in the access matrix (refused; a test catches it).
    case noRule(String)
    /// Mutual TLS is on but the peer sent no certificate, or one whose name or role is not the token's.
    case certificate(String)

    package var description: String {
        switch self {
        case .missingToken:
            "This call needs a token: set FEDGE_TOKEN or pass --token-file (people), or use the node's kit (--kit)."
        case .invalidToken(let why):
            "The token was not accepted (\(why)); make a new one with `fedge token create` or a new kit with `fedge client enroll`."
        case .expired(let id, let at):
            "Token \(id) expired at \(at); make a new one with `fedge token create` (or enroll the node again)."
        case .revoked(let id):
            "Token \(id) was revoked; ask an admin for a new one."
        case .forbidden(let role, let permission):
            "The role '\(role)' may not \(permission); `fedge roles` shows what each role may do."
        case .identityMismatch(let claimed, let proven):
            "This caller is '\(proven)' but claimed to be '\(claimed)'; a node acts only under its own name."
        case .noRule(let key):
            "\(key) has no rule in the access matrix and is refused."
        case .certificate(let why):
            "The TLS client certificate was not accepted: \(why)."
        }
    }

    /// Why, in a word: the audit trail's and the metrics' label (a bounded set).
    package enum Reason: String, Sendable, Hashable, CaseIterable {
        case missingToken = "missing_token"
        case invalidToken = "invalid_token"
        case expiredToken = "expired_token"
        case revokedToken = "revoked_token"
        case wrongRole = "wrong_role"
        case identityMismatch = "identity_mismatch"
        case noRule = "no_rule"
        case badCertificate = "bad_certificate"
    }

    package var reason: Reason {
        switch self {
        case .missingToken: .missingToken
        case .invalidToken: .invalidToken
        case .expired: .expiredToken
        case .revoked: .revokedToken
        case .forbidden: .wrongRole
        case .identityMismatch: .identityMismatch
        case .noRule: .noRule
        case .certificate: .badCertificate
        }
    }
}
