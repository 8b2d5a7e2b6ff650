package import ArgumentParser
package import FedgeRPC

/// The TLS flags of a daemon's listener, shared by `fedge-controller serve` and `fedge-combiner serve`: the common
/// flags and mutual TLS.
package struct ServerTLSOptions: ParsableArguments {
    @OptionGroup package var peer: TLSOptions

    @Flag(help: "Refuse peers without a certificate signed by --tls-ca (mutual TLS).")
    package var requireClientCerts = false

    @Flag(
        help:
            "With --insecure, allow listening on addresses other than loopback. Traffic is then readable on the network (tokens too): for isolated test networks only."
    )
    package var allowInsecureRemote = false

    package init() {}

    package var insecure: Bool { self.peer.insecure }
    package var tlsCert: String? { self.peer.tlsCert }
    package var tlsKey: String? { self.peer.tlsKey }

    package func validate() throws {
        if self.requireClientCerts && self.peer.tlsCa == nil {
            throw ValidationError("--require-client-certs needs --tls-ca.")
        }
        if self.allowInsecureRemote && !self.peer.insecure {
            throw ValidationError("--allow-insecure-remote only goes with --insecure.")
        }
    }

    /// Refuses a plaintext listener on anything but loopback, unless `--allow-insecure-remote`.
    package func checkInsecure(listen host: String, flag: String) throws {
        guard self.peer.insecure, !self.allowInsecureRemote else { return }
        guard Self.isLoopback(host) else {
            throw ValidationError(
                "--insecure turns TLS off, so \(flag) must be a loopback address (127.0.0.1, ::1, localhost), not '\(host)'. Add --allow-insecure-remote only on an isolated test network."
            )
        }
    }

    package static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
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
