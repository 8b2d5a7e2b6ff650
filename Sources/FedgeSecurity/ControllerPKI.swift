package import Foundation

/// The controller's identity material, in `<controller dir>/pki` (0700, files 0600): the CA, the controller's TLS
/// certificate, and the token signing key. `fedge-controller init` makes it; operators may bring their own CA and
/// certificate by putting their PEM files under the same names.
package struct ControllerPKI: Sendable, Hashable {
    package var directory: URL

    package init(directory: URL) { self.directory = directory }

    package var caCertificate: String { self.directory.appendingPathComponent("ca.pem").path }
    package var caKey: String { self.directory.appendingPathComponent("ca-key.pem").path }
    package var certificate: String { self.directory.appendingPathComponent("controller.pem").path }
    package var privateKey: String { self.directory.appendingPathComponent("controller-key.pem").path }
    package var tokenKey: String { self.directory.appendingPathComponent("token-signing-key.pem").path }

    /// Whether every file exists.
    package var isComplete: Bool {
        [self.caCertificate, self.caKey, self.certificate, self.privateKey, self.tokenKey].allSatisfy {
            FileManager.default.fileExists(atPath: $0)
        }
    }

    /// What `create` made or kept, for a person to read.
    package struct Report: Sendable {
        package var made: [String] = []
        package var kept: [String] = []
    }

    /// Makes what is missing: the CA, the controller's certificate for `hosts` (plus the host name, localhost and
    /// 127.0.0.1), and the token signing key. Existing files are kept.
    package func create(hosts: [String], now: Date = Date()) throws -> Report {
        var report = Report()
        try FileManager.default.createDirectory(
            at: self.directory,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        let ca: CertificateAuthority
        if FileManager.default.fileExists(atPath: self.caCertificate) {
            ca = try self.authority()
            report.kept.append(self.caCertificate)
        } else {
            ca = try CertificateAuthority(now: now)
            try SecretFile.write(Data(try ca.privateKeyPEM.utf8), to: self.caKey)
            try SecretFile.write(Data(try ca.certificatePEM.utf8), to: self.caCertificate)
            report.made += [self.caCertificate, self.caKey]
        }
        if FileManager.default.fileExists(atPath: self.certificate) {
            report.kept.append(self.certificate)
        } else {
            let issued = try ca.issue(
                name: "controller",
                role: .admin,
                hosts: hosts + [ProcessInfo.processInfo.hostName, "localhost", "127.0.0.1", "::1"],
                validity: .seconds(5 * 365 * 86_400),
                now: now
            )
            try SecretFile.write(Data(issued.privateKeyPEM.utf8), to: self.privateKey)
            try SecretFile.write(Data(issued.certificatePEM.utf8), to: self.certificate)
            report.made += [self.certificate, self.privateKey]
        }
        if FileManager.default.fileExists(atPath: self.tokenKey) {
            report.kept.append(self.tokenKey)
        } else {
            try SecretFile.write(Data(TokenIssuer.makePrivateKeyPEM().utf8), to: self.tokenKey)
            report.made.append(self.tokenKey)
        }
        return report
    }

    /// The CA, to sign nodes' certificates.
    package func authority() throws -> CertificateAuthority {
        try CertificateAuthority(
            certificatePEM: try Self.read(self.caCertificate),
            privateKeyPEM: try Self.read(self.caKey)
        )
    }

    /// The token issuer, from the signing key.
    package func issuer() async throws -> TokenIssuer {
        try await TokenIssuer(privateKeyPEM: try Self.read(self.tokenKey))
    }

    package static func read(_ path: String) throws -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw PKIError.missing(path)
        }
    }
}

/// Why the controller's PKI cannot be used.
package enum PKIError: Error, Sendable, Hashable, CustomStringConvertible {
    case missing(String)

    package var description: String {
        switch self {
        case .missing(let path): "\(path) is missing: run `fedge-controller init` (or put your own PEM file there)."
        }
    }
}
