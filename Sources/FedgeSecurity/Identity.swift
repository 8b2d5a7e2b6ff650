/// Who made a call, as proven by a token, a certificate or the control socket.
package struct Identity: Sendable, Hashable, CustomStringConvertible {
    package var name: String
    package var role: Role
    /// The id of the token that proved it (`nil` on the control socket).
    package var tokenID: String?
    /// The peer's address, when known.
    package var address: String?

    package init(name: String, role: Role, tokenID: String? = nil, address: String? = nil) {
        self.name = name
        self.role = role
        self.tokenID = tokenID
        self.address = address
    }

    package init(_ claims: TokenClaims, address: String?) {
        self.init(name: claims.subject, role: claims.role, tokenID: claims.id, address: address)
    }

    /// Whoever can open the control socket: its file mode is the boundary.
    package static let controlSocket = Identity(name: "control-socket", role: .admin, address: "unix")

    /// The identity of the call being handled (set by the servers' authenticating interceptor and middleware).
    @TaskLocal package static var current: Identity?

    package var description: String {
        self.address.map { "\(self.name) (\(self.role), \($0))" } ?? "\(self.name) (\(self.role))"
    }
}
