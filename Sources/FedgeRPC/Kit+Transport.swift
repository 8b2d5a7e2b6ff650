package import FedgeSecurity
package import Foundation

extension Kit {
    /// The kit's PEM files written under `directory`, and the TLS both ways they make: the node presents its
    /// certificate and trusts only the kit's CA.
    package func transportSecurity(materializingIn directory: URL) throws -> TransportSecurity {
        let files = try self.materialize(in: directory)
        return .tls(
            .init(
                certificate: files.certificate,
                privateKey: files.privateKey,
                trustRoots: files.ca,
                requireClientCertificates: false
            )
        )
    }

}
