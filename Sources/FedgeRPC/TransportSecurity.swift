package import GRPCNIOTransportHTTP2

/// How a node secures its gRPC connections: TLS from PEM files, or plaintext only when asked for loudly.
///
/// Listeners present `certificate` and `privateKey`; dialers verify the peer against `trustRoots` (the system's
/// when `nil`). With `clientCertificate`/`clientKey` on the dialer and `requireClientCertificates` on the listener,
/// both sides authenticate (mTLS).
package enum TransportSecurity: Sendable, Hashable {
    /// No encryption. Only with `--insecure`, for local development.
    case insecure
    case tls(TLSFiles)

    package struct TLSFiles: Sendable, Hashable {
        /// PEM certificate chain this node presents (required to listen; optional to dial, for mTLS).
        package var certificate: String?
        /// PEM private key for `certificate`.
        package var privateKey: String?
        /// PEM certificates trusted to sign the peer's; the system's roots when `nil`.
        package var trustRoots: String?
        /// Listener only: refuse peers without a certificate signed by `trustRoots`.
        package var requireClientCertificates: Bool
        /// Dialer only: check that the server's certificate names the host dialled.
        package var verifyHostname: Bool

        package init(
            certificate: String? = nil,
            privateKey: String? = nil,
            trustRoots: String? = nil,
            requireClientCertificates: Bool = false,
            verifyHostname: Bool = true
        ) {
            self.certificate = certificate
            self.privateKey = privateKey
            self.trustRoots = trustRoots
            self.requireClientCertificates = requireClientCertificates
            self.verifyHostname = verifyHostname
        }
    }

    /// Why a security configuration cannot be used.
    package enum ConfigurationError: Error, Hashable, CustomStringConvertible {
        /// A listener needs a certificate and key unless it runs insecure.
        case listenerNeedsCertificate

        package var description: String {
            switch self {
            case .listenerNeedsCertificate:
                "TLS is on but no certificate was given: pass --tls-certificate and --tls-key, or --insecure for local development"
            }
        }
    }

    /// The security of a listening transport.
    package func server() throws(ConfigurationError) -> HTTP2ServerTransport.Posix.TransportSecurity {
        switch self {
        case .insecure:
            return .plaintext
        case .tls(let files):
            guard let certificate = files.certificate, let key = files.privateKey else {
                throw .listenerNeedsCertificate
            }
            var tls = HTTP2ServerTransport.Posix.TransportSecurity.TLS.defaults(
                certificateChain: [.file(path: certificate, format: .pem)],
                privateKey: .file(path: key, format: .pem)
            )
            if let roots = files.trustRoots {
                tls.trustRoots = .certificates([.file(path: roots, format: .pem)])
            }
            if files.requireClientCertificates {
                tls.clientCertificateVerification = .noHostnameVerification
            }
            return .tls(tls)
        }
    }

    /// The security of a dialling transport.
    package func client() -> HTTP2ClientTransport.Posix.TransportSecurity {
        switch self {
        case .insecure:
            return .plaintext
        case .tls(let files):
            var tls = HTTP2ClientTransport.Posix.TransportSecurity.TLS.defaults
            if let roots = files.trustRoots {
                tls.trustRoots = .certificates([.file(path: roots, format: .pem)])
            }
            if let certificate = files.certificate, let key = files.privateKey {
                tls.certificateChain = [.file(path: certificate, format: .pem)]
                tls.privateKey = .file(path: key, format: .pem)
            }
            tls.serverCertificateVerification = files.verifyHostname ? .fullVerification : .noHostnameVerification
            return .tls(tls)
        }
    }
}
