import FedgeAPIModels
import FedgeCore
package import FedgeRPC
package import FedgeServerKit
import FedgeStore
package import Foundation
import Logging

/// Where and how the controller runs.
package struct ControllerConfiguration: Sendable {
    /// The controller's state directory: `state.sqlite`, `blobs/`, `partials/`.
    package var directory: URL
    /// Where combiners dial in (gRPC).
    package var grpcListen: Endpoint
    package var grpcSecurity: TransportSecurity
    /// Where the REST API listens, on TCP and on the control socket.
    package var httpListeners: [HTTPListener]
    /// The keys that issue and check identities.
    package var keys: SecurityKeys
    /// The gRPC address nodes dial, written into their kits (HOST:PORT).
    package var advertisedAddress: String
    /// TLS is off (`--insecure`): tokens are still required; recorded in the audit trail and shown by `/health`.
    package var insecure: Bool { if case .insecure = self.grpcSecurity { true } else { false } }
    /// Seconds between combiner heartbeats.
    package var heartbeatInterval: Duration = .seconds(2)
    package var orchestration: Orchestrator.Settings

    package init(
        directory: URL,
        grpcListen: Endpoint,
        grpcSecurity: TransportSecurity,
        httpListeners: [HTTPListener],
        keys: SecurityKeys,
        advertisedAddress: String? = nil
    ) {
        self.directory = directory
        self.grpcListen = grpcListen
        self.grpcSecurity = grpcSecurity
        self.httpListeners = httpListeners
        self.keys = keys
        self.advertisedAddress = advertisedAddress ?? "\(grpcListen.host):\(grpcListen.port)"
        self.orchestration = Orchestrator.Settings(partialsDirectory: directory.appendingPathComponent("partials"))
    }
}
