import ArgumentParser
import FedgeController
import FedgeCore
import FedgeDaemonOptions
import FedgeRPC
import FedgeSecurity
import FedgeServerKit
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import ServiceLifecycle
import UnixSignals

/// `fedge-controller serve`.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve combiners (gRPC), the REST API and the control socket until stopped (Ctrl-C or SIGTERM)."
    )

    @Option(help: "The state root (default: $FEDGE_HOME, else ~/.local/share/fedge).")
    var home: String?

    @Option(help: "Where combiners dial in (gRPC), as HOST:PORT.")
    var listen: String = "0.0.0.0:7701"

    @Option(help: "Where the REST API listens on TCP, as HOST:PORT ('none' for the control socket only).")
    var listenAPI: String = "127.0.0.1:7700"

    @Option(help: "The control socket (default: $FEDGE_HOME/run/controller.sock).")
    var socket: String?

    @Option(
        help:
            "The gRPC address written into kits, as nodes should dial it (default: --listen, with this host's name for 0.0.0.0)."
    )
    var advertise: String?

    @OptionGroup var tls: ServerTLSOptions

    @Option(
        help:
            "PEM certificate chain for the REST API on TCP (default: --tls-cert, else the certificate `init` made)."
    )
    var apiTlsCert: String?

    @Option(help: "PEM private key of --api-tls-cert (default: --tls-key).")
    var apiTlsKey: String?

    @Option(help: "Seconds combiners may take past a round's deadline to deliver their partials.")
    var uploadGrace: Double = 60

    @OptionGroup var log: LogOptions

    func validate() throws {
        guard Endpoint(self.listen) != nil else { throw ValidationError("--listen '\(self.listen)' is not HOST:PORT.") }
        guard self.listenAPI == "none" || Endpoint(self.listenAPI) != nil else {
            throw ValidationError("--listen-api '\(self.listenAPI)' is not HOST:PORT or 'none'.")
        }
        guard self.uploadGrace >= 0 else { throw ValidationError("--upload-grace must be 0 or more seconds.") }
    }

    func run() async throws {
        self.log.bootstrap()
        let logger = Logger(label: "fedge.controller")
        let home = self.home.map { FedgeHome(root: URL(fileURLWithPath: $0)) } ?? FedgeHome.fromEnvironment()
        let pki = ControllerPKI(directory: home.controllerDirectory.appendingPathComponent("pki"))
        guard pki.isComplete else {
            throw ValidationError(
                "The controller has no identity yet: run `fedge-controller init\(self.home.map { " --home \($0)" } ?? "")` (it makes the CA, the TLS certificate and the token key under \(pki.directory.path))."
            )
        }
        let keys = try await SecurityKeys(pki: pki)
        let listen = Endpoint(self.listen)!
        try self.tls.checkInsecure(listen: listen.host, flag: "--listen")
        let socket = self.socket ?? home.controllerSocket
        var listeners: [HTTPListener] = [.controlSocket(path: socket)]
        if self.listenAPI != "none", let endpoint = Endpoint(self.listenAPI) {
            try self.tls.checkInsecure(listen: endpoint.host, flag: "--listen-api")
            let tls =
                self.tls.insecure
                ? nil
                : TLSFiles(
                    certificate: self.apiTlsCert ?? self.tls.tlsCert ?? pki.certificate,
                    privateKey: self.apiTlsKey ?? self.tls.tlsKey ?? pki.privateKey
                )
            listeners.append(.tcp(host: endpoint.host, port: endpoint.port, tls: tls))
        }
        // Combiners and clients present their kit's certificate; the token on each call must name the same node.
        let security: TransportSecurity =
            self.tls.insecure
            ? .insecure
            : .tls(
                .init(
                    certificate: self.tls.tlsCert ?? pki.certificate,
                    privateKey: self.tls.tlsKey ?? pki.privateKey,
                    trustRoots: self.tls.peer.tlsCa ?? pki.caCertificate,
                    requireClientCertificates: true
                )
            )
        if self.tls.insecure {
            logger.warning("TLS is off (--insecure): traffic is not encrypted; tokens are still required on every call")
        }
        var configuration = ControllerConfiguration(
            directory: home.controllerDirectory,
            grpcListen: listen,
            grpcSecurity: security,
            httpListeners: listeners,
            keys: keys,
            advertisedAddress: self.advertise ?? "\(listen.advertised)"
        )
        configuration.orchestration.uploadGrace = .milliseconds(Int64(self.uploadGrace * 1000))
        let controller = try Controller(configuration: configuration, logger: logger)
        await controller.auditTrail.record(
            kind: "controller.started",
            actor: "controller",
            subject: nil,
            message: self.tls.insecure
                ? "Controller started with TLS OFF (--insecure\(self.tls.allowInsecureRemote ? ", --allow-insecure-remote" : "")): gRPC \(self.listen), REST \(self.listenAPI); tokens still required"
                : "Controller started: gRPC \(self.listen) (mutual TLS), REST \(self.listenAPI) (TLS)"
        )
        let services = try await ControllerDaemon.make(controller: controller, logger: logger)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }
}
