package import ArgumentParser
package import FedgeRPC

/// The TLS flags of a daemon's listener, shared by `fedge-controller serve` and `fedge-combiner serve`: the common
/// flags and mutual TLS.
package struct ServerTLSOptions: ParsableArguments {
    @OptionGroup package var peer: TLSOptions

    @Flag(help: "Refuse peers without a certificate signed by --tls-ca (mutual TLS).")
    package var requireClientCerts = false

    package init() {}

    package var insecure: Bool { self.peer.insecure }
    package var tlsCert: String? { self.peer.tlsCert }
    package var tlsKey: String? { self.peer.tlsKey }

    package func validate() throws {
        if !self.peer.insecure && (self.peer.tlsCert == nil || self.peer.tlsKey == nil) {
            throw ValidationError(
                "TLS is on by default: give --tls-cert and --tls-key, or --insecure for local development."
            )
        }
        if self.requireClientCerts && self.peer.tlsCa == nil {
            throw ValidationError("--require-client-certs needs --tls-ca.")
        }
    }

    /// The listener's security, as the flags say.
    package var security: TransportSecurity {
        self.peer.insecure
            ? .insecure
            : .tls(
                .init(
                    certificate: self.peer.tlsCert,
                    privateKey: self.peer.tlsKey,
                    trustRoots: self.peer.tlsCa,
                    requireClientCertificates: self.requireClientCerts
                )
            )
    }

    /// The same files, used to dial out (a combiner dialling its controller).
    package var clientSecurity: TransportSecurity { self.peer.clientSecurity }
}
