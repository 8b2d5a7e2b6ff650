package import ArgumentParser
package import FedgeRPC

/// The TLS flags every Fedge node has, for the connections it dials: `fedge-client run` uses them as they are, the
/// daemons through `ServerTLSOptions`.
package struct TLSOptions: ParsableArguments {
    @Flag(help: "Turn TLS off. For local development only.")
    package var insecure = false

    @Option(help: "PEM certificate chain to present to peers.")
    package var tlsCert: String?

    @Option(help: "PEM private key of --tls-cert.")
    package var tlsKey: String?

    @Option(help: "PEM CA that peers' certificates must be signed by (default for dialling out: the system's roots).")
    package var tlsCa: String?

    package init() {}

    package func validate() throws {
        if (self.tlsCert == nil) != (self.tlsKey == nil) {
            throw ValidationError("Give --tls-cert and --tls-key together.")
        }
    }

    /// The security of the connections this node dials: the CA verifies the peer, the certificate and key (if
    /// given) identify this node.
    package var clientSecurity: TransportSecurity {
        self.insecure
            ? .insecure
            : .tls(
                .init(
                    certificate: self.tlsCert,
                    privateKey: self.tlsKey,
                    trustRoots: self.tlsCa,
                    requireClientCertificates: false
                )
            )
    }
}
