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
    /// The bearer token the TCP REST API requires (`nil`: none; the control socket never needs one).
    package var apiToken: String?
    /// Seconds between combiner heartbeats.
    package var heartbeatInterval: Duration = .seconds(2)
    package var orchestration: Orchestrator.Settings

    package init(
        directory: URL,
        grpcListen: Endpoint,
        grpcSecurity: TransportSecurity,
        httpListeners: [HTTPListener],
        apiToken: String?
    ) {
        self.directory = directory
        self.grpcListen = grpcListen
        self.grpcSecurity = grpcSecurity
        self.httpListeners = httpListeners
        self.apiToken = apiToken
        self.orchestration = Orchestrator.Settings(partialsDirectory: directory.appendingPathComponent("partials"))
    }
}
