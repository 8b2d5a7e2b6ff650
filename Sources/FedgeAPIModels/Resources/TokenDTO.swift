package import Foundation

/// A token that was issued (never its text: that is shown once, when made).
package struct TokenDTO: Sendable, Hashable, Codable {
    package var id: String
    package var subject: String
    package var role: String
    package var createdAt: Date
    package var expiresAt: Date
    package var revokedAt: Date?
    package var createdBy: String

    package init(
        id: String,
        subject: String,
        role: String,
        createdAt: Date,
        expiresAt: Date,
        revokedAt: Date?,
        createdBy: String
    ) {
        self.id = id
        self.subject = subject
        self.role = role
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.createdBy = createdBy
    }
}

/// `POST /api/v1/tokens`: a token for a person.
package struct CreateTokenRequest: Sendable, Hashable, Codable {
    /// `admin`, `operator` or `observer`.
    package var role: String
    /// Whom the token names (the audit trail's actor).
    package var name: String
    /// Seconds until it expires (default 30 days).
    package var ttlSeconds: Int?

    package init(role: String, name: String, ttlSeconds: Int?) {
        self.role = role
        self.name = name
        self.ttlSeconds = ttlSeconds
    }
}

/// A new token: its text, shown this once, and its record.
package struct CreatedTokenDTO: Sendable, Hashable, Codable {
    package var token: String
    package var record: TokenDTO

    package init(token: String, record: TokenDTO) {
        self.token = token
        self.record = record
    }
}

/// `POST /api/v1/enrollments/combiners` and `/clients`: a kit for one node.
package struct EnrollRequest: Sendable, Hashable, Codable {
    package var name: String
    /// Host names or addresses the node serves under (combiners: its certificate's names for clients to check).
    package var hosts: [String]?
    /// Seconds until the node's token and certificate expire (default one year).
    package var ttlSeconds: Int?
    /// The controller's address to write into the kit (default: the one the controller advertises).
    package var controller: String?

    package init(name: String, hosts: [String]? = nil, ttlSeconds: Int? = nil, controller: String? = nil) {
        self.name = name
        self.hosts = hosts
        self.ttlSeconds = ttlSeconds
        self.controller = controller
    }
}

/// A node's enrollment: its kit (the JSON file the node needs) and the kit's token record.
package struct EnrollmentDTO: Sendable, Hashable, Codable {
    package var kit: String
    package var record: TokenDTO

    package init(kit: String, record: TokenDTO) {
        self.kit = kit
        self.record = record
    }
}
