package import ArgumentParser
package import FedgeRPC
package import Logging

/// The TLS flags of a daemon's listener, shared by `fedge-controller serve` and `fedge-combiner serve`.
package struct ServerTLSOptions: ParsableArguments {
    @Flag(help: "Serve without TLS. For local development only.")
    package var insecure = false

    @Option(help: "PEM certificate chain to present to peers.")
    package var tlsCert: String?

    @Option(help: "PEM private key of --tls-cert.")
    package var tlsKey: String?

    @Option(help: "PEM CA that peer certificates must be signed by (with --require-client-certs).")
    package var tlsCa: String?

    @Flag(help: "Refuse peers without a certificate signed by --tls-ca (mutual TLS).")
    package var requireClientCerts = false

    package init() {}

    package func validate() throws {
        if !self.insecure && (self.tlsCert == nil || self.tlsKey == nil) {
            throw ValidationError("TLS is on by default: give --tls-cert and --tls-key, or --insecure for local development.")
        }
        if self.requireClientCerts && self.tlsCa == nil { throw ValidationError("--require-client-certs needs --tls-ca.") }
    }

    /// The listener's security, as the flags say.
    package var security: TransportSecurity {
        self.insecure
            ? .insecure
            : .tls(.init(certificate: self.tlsCert, privateKey: self.tlsKey, trustRoots: self.tlsCa, requireClientCertificates: self.requireClientCerts))
    }
}

/// `--log-level`, shared by the daemons.
package struct LogOptions: ParsableArguments {
    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    package var logLevel: String = "info"

    package init() {}

    package func validate() throws {
        guard Logger.Level(rawValue: self.logLevel) != nil else { throw ValidationError("Unknown --log-level '\(self.logLevel)'.") }
    }

    package var level: Logger.Level { Logger.Level(rawValue: self.logLevel) ?? .info }
}
