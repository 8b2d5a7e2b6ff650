import FedgeAPIModels
import FedgeCore
package import FedgeSecurity
package import FedgeStore
package import Foundation

/// Identities: tokens for people, kits for nodes, revocation, and the record of refusals.
extension Controller {
    /// Makes a token for a person (`admin`, `operator`, `observer`), records its id, and returns its text (shown
    /// once, never stored).
    package func createToken(
        name: String,
        role: Role,
        ttl: Duration,
        by actor: Identity
    ) async throws -> (token: String, record: TokenRecord) {
        try Self.validate(name: name, what: "token name")
        guard Role.people.contains(role) else {
            throw AccessRequestError.invalid(
                "'\(role)' is a node's role: enroll nodes with `fedge combiner enroll` or `fedge client enroll`."
            )
        }
        let (token, record) = try await self.issue(subject: name, role: role, ttl: ttl, by: actor)
        await self.auditTrail.record(
            kind: "token.created",
            by: actor,
            subject: record.id,
            message: "Token \(record.id) made for \(name) as \(role), until \(API.formatDate(record.expiresAt))"
        )
        return (token, record)
    }

    /// Revokes a token: every later call carrying it is refused, here and (once told) on every combiner.
    package func revokeToken(_ id: String, by actor: Identity) async throws -> TokenRecord {
        guard let record = try await self.database.revokeToken(id) else {
            throw AccessRequestError.notFound("No token has the id '\(id.prefix(64))'; `fedge token list` shows them.")
        }
        let verifier = self.configuration.keys.verifier
        verifier.revoke(id)
        await self.hub.broadcastRevocations(verifier.revokedIDs)
        await self.auditTrail.record(
            kind: "token.revoked",
            by: actor,
            subject: id,
            message: "Token \(id) of \(record.subject) (\(record.role)) revoked"
        )
        return record
    }

    /// Makes a node's kit: a certificate naming it (and, for a combiner, `hosts` for clients to check), a token
    /// whose subject is its name, the CA and the controller's address.
    package func enroll(
        role: Role,
        name: String,
        hosts: [String],
        ttl: Duration,
        controllerAddress: String?,
        by actor: Identity
    ) async throws -> (kit: Kit, record: TokenRecord) {
        try Self.validate(name: name, what: "\(role) name")
        guard role.isNode else {
            throw AccessRequestError.invalid("only combiners and clients are enrolled; people get tokens.")
        }
        for host in hosts where !Self.isHost(host) {
            throw AccessRequestError.invalid(
                "'\(host.prefix(64))' is not a host name or address (1 to 253 letters, digits, '.', '-' and ':')."
            )
        }
        let keys = self.configuration.keys
        let certificateHosts = role == .combiner ? hosts + [name, "localhost", "127.0.0.1"] : []
        let certificate = try keys.authority.issue(name: name, role: role, hosts: certificateHosts, validity: ttl)
        let (token, record) = try await self.issue(subject: name, role: role, ttl: ttl, by: actor)
        let kit = Kit(
            role: role,
            name: name,
            controller: controllerAddress ?? self.advertisedAddress,
            ca: keys.caPEM,
            certificate: certificate,
            token: token,
            tokenID: record.id,
            expiresAt: record.expiresAt,
            tokenPublicKey: keys.issuer.publicKeyPEM
        )
        await self.auditTrail.record(
            kind: "\(role).enrolled",
            by: actor,
            subject: name,
            message:
                "\(role == .combiner ? "Combiner" : "Client") \(name) enrolled (token \(record.id), until \(API.formatDate(record.expiresAt)))"
        )
        return (kit, record)
    }

    private func issue(
        subject: String,
        role: Role,
        ttl: Duration,
        by actor: Identity
    ) async throws -> (String, TokenRecord) {
        let (token, claims) = try await self.configuration.keys.issuer.issue(subject: subject, role: role, ttl: ttl)
        let record = TokenRecord(claims, createdBy: actor.name)
        try await self.database.insertToken(record)
        return (token, record)
    }

    /// Records a refused call in the audit trail (floods summarised).
    package func recordRefusal(_ error: AccessError, action: String, address: String, claimed: String?) async {
        self.metrics.refused(reason: error.reason)
        await self.auditTrail.refused(
            kind: "access.refused",
            actor: claimed ?? "unknown",
            address: address,
            subject: action,
            reason: error.reason.rawValue,
            message: "\(action) refused: \(error.description)"
        )
    }

    /// Loads the revocation list into the verifier (at start).
    package func loadRevocations() async throws {
        self.configuration.keys.verifier.setRevoked(try await self.database.revokedTokenIDs())
    }

    /// A host name or address a certificate can name: 1 to 253 ASCII letters, digits, `.`, `-` and `:` (IPv6).
    static func isHost(_ host: String) -> Bool {
        (1...253).contains(host.utf8.count)
            && host.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ":")
            }
    }

    private static func validate(name: String, what: String) throws {
        do {
            try NodeName.validate(name, what: what)
        } catch {
            throw AccessRequestError.invalid("\(error.description).")
        }
    }
}

/// A request about identities that cannot be done, with the reason.
package enum AccessRequestError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The request itself is wrong (a bad name, a node's role for a person).
    case invalid(String)
    /// It names a token that does not exist.
    case notFound(String)

    package var description: String {
        switch self {
        case .invalid(let text), .notFound(let text): text
        }
    }
}

extension TokenRecord {
    /// The record of an issued token: its id and claims, never its text.
    package init(_ claims: TokenClaims, createdBy: String) {
        self.init(
            id: claims.id,
            subject: claims.subject,
            role: claims.role.rawValue,
            createdAt: claims.issuedAt,
            expiresAt: claims.expiresAt,
            createdBy: createdBy
        )
    }
}
