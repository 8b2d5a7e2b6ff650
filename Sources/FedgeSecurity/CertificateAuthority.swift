import Crypto
import FedgeCore
package import Foundation
import SwiftASN1
package import X509

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Fedge's private certificate authority: it signs the controller's TLS certificate and every combiner's and
/// client's certificate. The subject of a node's certificate names it (common name) and its role (organisational
/// unit), so a peer's certificate says who it is.
package struct CertificateAuthority: Sendable {
    package let certificate: Certificate
    private let key: Certificate.PrivateKey

    /// A new CA, valid ten years.
    package init(name: String = "Fedge CA", now: Date = Date()) throws {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName {
            OrganizationName("Fedge")
            CommonName(name)
        }
        let privateKey = Certificate.PrivateKey(key)
        self.key = privateKey
        self.certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: privateKey.publicKey,
            notValidBefore: now.addingTimeInterval(-300),
            notValidAfter: now.addingTimeInterval(10 * 365 * 86_400),
            issuer: subject,
            subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: privateKey.publicKey)
            },
            issuerPrivateKey: privateKey
        )
    }

    /// The CA from its PEM certificate and key.
    package init(certificatePEM: String, privateKeyPEM: String) throws {
        self.certificate = try Certificate(pemEncoded: certificatePEM)
        self.key = try Certificate.PrivateKey(pemEncoded: privateKeyPEM)
        guard self.key.publicKey == self.certificate.publicKey else {
            throw CertificateError.keyMismatch
        }
    }

    package var certificatePEM: String { get throws { try self.certificate.serializeAsPEM().pemString } }
    package var privateKeyPEM: String { get throws { try self.key.serializeAsPEM().pemString } }

    /// A certificate for `name` in `role`, for TLS both ways (server and client), with `hosts` as its subject
    /// alternative names (DNS names or IP addresses).
    package func issue(
        name: String,
        role: Role,
        hosts: [String],
        validity: Duration = .seconds(365 * 86_400),
        now: Date = Date()
    ) throws -> IssuedCertificate {
        let key = P256.Signing.PrivateKey()
        let privateKey = Certificate.PrivateKey(key)
        let subject = try DistinguishedName {
            OrganizationName("Fedge")
            OrganizationalUnitName(role.rawValue)
            CommonName(name)
        }
        var names: [GeneralName] = []
        for host in Self.unique(hosts) {
            if let address = IPAddress(host) {
                names.append(.ipAddress(ASN1OctetString(contentBytes: address.bytes[...])))
            } else {
                names.append(.dnsName(host))
            }
        }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: privateKey.publicKey,
            notValidBefore: now.addingTimeInterval(-300),
            notValidAfter: now.addingTimeInterval(validity.inSeconds),
            issuer: self.certificate.subject,
            subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                try ExtendedKeyUsage([.serverAuth, .clientAuth])
                if !names.isEmpty { SubjectAlternativeNames(names) }
                SubjectKeyIdentifier(hash: privateKey.publicKey)
            },
            issuerPrivateKey: self.key
        )
        return IssuedCertificate(
            certificatePEM: try certificate.serializeAsPEM().pemString,
            privateKeyPEM: try privateKey.serializeAsPEM().pemString
        )
    }

    private static func unique(_ hosts: [String]) -> [String] {
        var seen: Set<String> = []
        return hosts.filter { !$0.isEmpty && seen.insert($0.lowercased()).inserted }
    }

    /// The name and role a node's certificate carries.
    package static func identity(of certificate: Certificate) -> (name: String, role: Role?)? {
        var name: String? = nil
        var role: Role? = nil
        for rdn in certificate.subject {
            for attribute in rdn {
                if attribute.type == .RDNAttributeType.commonName { name = "\(attribute.value)" }
                if attribute.type == .RDNAttributeType.organizationalUnitName {
                    role = Role(rawValue: "\(attribute.value)")
                }
            }
        }
        return name.map { ($0, role) }
    }
}

/// A certificate and its private key, in PEM.
package struct IssuedCertificate: Sendable, Hashable, Codable {
    package var certificatePEM: String
    package var privateKeyPEM: String
}

/// Why a certificate or key could not be used.
package enum CertificateError: Error, Sendable, Hashable, CustomStringConvertible {
    case keyMismatch

    package var description: String {
        switch self {
        case .keyMismatch: "the CA's private key does not belong to its certificate"
        }
    }
}

/// An IPv4 or IPv6 address in text, as bytes.
struct IPAddress {
    var bytes: [UInt8]

    init?(_ text: String) {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self.bytes = withUnsafeBytes(of: v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            self.bytes = withUnsafeBytes(of: v6) { Array($0) }
            return
        }
        return nil
    }
}
