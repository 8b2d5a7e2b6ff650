package import FedgeSecurity
package import Foundation

/// The controller's keys, loaded from its PKI: the token issuer and verifier, and the CA that signs nodes'
/// certificates.
package struct SecurityKeys: Sendable {
    package let pki: ControllerPKI
    package let issuer: TokenIssuer
    package let verifier: TokenVerifier
    package let authority: CertificateAuthority
    /// The CA certificate, PEM (handed to every node in its kit).
    package let caPEM: String

    package init(pki: ControllerPKI) async throws {
        self.pki = pki
        self.issuer = try await pki.issuer()
        self.verifier = try await TokenVerifier(publicKeyPEM: self.issuer.publicKeyPEM)
        self.authority = try pki.authority()
        self.caPEM = try ControllerPKI.read(pki.caCertificate)
    }

    /// Makes the PKI under `directory` if missing (a throwaway home: tests, `fedge demo`), then loads it.
    package static func ensure(in directory: URL, hosts: [String] = []) async throws -> SecurityKeys {
        let pki = ControllerPKI(directory: directory)
        if !pki.isComplete { _ = try pki.create(hosts: hosts) }
        return try await SecurityKeys(pki: pki)
    }
}
