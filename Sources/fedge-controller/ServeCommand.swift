import ArgumentParser
import FedgeController
import FedgeCore
import FedgeDaemonOptions
import FedgeRPC
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
        help: "File holding the REST API's bearer token (default: $FEDGE_HOME/controller/api-token, made by `init`)."
    )
    var tokenFile: String?

    @OptionGroup var tls: ServerTLSOptions

    @Option(
        help:
            "PEM certificate chain for the REST API on TCP (default: --tls-cert). Without TLS files the TCP API speaks plain HTTP, which needs --insecure."
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
        let socket = self.socket ?? home.controllerSocket
        var listeners: [HTTPListener] = [.controlSocket(path: socket)]
        var token: String? = nil
        if self.listenAPI != "none", let endpoint = Endpoint(self.listenAPI) {
            let certificate = self.apiTlsCert ?? self.tls.tlsCert
            let key = self.apiTlsKey ?? self.tls.tlsKey
            let tls = certificate.flatMap { certificate in
                key.map { TLSFiles(certificate: certificate, privateKey: $0) }
            }
            if tls == nil && !self.tls.insecure {
                throw ValidationError(
                    "The REST API on TCP speaks TLS: give --api-tls-cert and --api-tls-key (or --tls-cert/--tls-key), --listen-api none, or --insecure."
                )
            }
            listeners.append(.tcp(host: endpoint.host, port: endpoint.port, tls: tls))
            let tokenPath = self.tokenFile ?? home.controllerDirectory.appendingPathComponent("api-token").path
            if let text = try? String(contentsOfFile: tokenPath, encoding: .utf8).trimmingCharacters(
                in: .whitespacesAndNewlines
            ), !text.isEmpty {
                token = text
            } else if !self.tls.insecure {
                throw ValidationError(
                    "The REST API on TCP needs a token: run `fedge-controller init` (it writes \(tokenPath)), give --token-file, use --listen-api none, or --insecure."
                )
            }
        }
        let security = self.tls.security
        if self.tls.insecure {
            logger.warning(
                "TLS is off (--insecure): combiner traffic is not encrypted\(token == nil ? " and the TCP REST API takes no token" : "")"
            )
        }

        var configuration = ControllerConfiguration(
            directory: home.controllerDirectory,
            grpcListen: Endpoint(self.listen)!,
            grpcSecurity: security,
            httpListeners: listeners,
            apiToken: token
        )
        configuration.orchestration.uploadGrace = .milliseconds(Int64(self.uploadGrace * 1000))
        let controller = try Controller(configuration: configuration, logger: logger)
        let services = try ControllerDaemon.make(controller: controller, logger: logger)
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
