package import FedgeCore
package import FedgeRPC
package import Foundation

/// Everything an edge client needs, built once by `fedge-client` and passed down by value.
package struct EdgeConfiguration: Sendable {
    /// The name the client announces; combiners and operators know it by this.
    package var name: String
    /// The combiner to dial (when no controller assigns one).
    package var combiner: Endpoint
    /// The controller to ask for a combiner before each connection; when set, `combiner` is not used.
    package var controller: Endpoint?
    /// The combiner to ask the controller for, when it is attached.
    package var preferredCombiner: String?
    package var security: TransportSecurity
    /// A bearer token sent with every call, when the deployment uses them.
    package var token: String?
    /// How often to send a heartbeat.
    package var heartbeatInterval: Duration = .seconds(5)
    /// How long to wait between reconnection attempts.
    package var backoff = Backoff()
    /// Where downloaded models and training outputs go while a task runs.
    package var workDirectory: URL
    /// Free-form labels announced in the hello (site, hardware, …).
    package var labels: [String: String] = [:]

    package init(name: String, combiner: Endpoint, security: TransportSecurity, workDirectory: URL) {
        self.name = name
        self.combiner = combiner
        self.security = security
        self.workDirectory = workDirectory
    }

    /// A configuration with defaults, adjusted by `configure`.
    package static func defaults(
        name: String,
        combiner: Endpoint,
        security: TransportSecurity,
        workDirectory: URL,
        configure: (inout EdgeConfiguration) -> Void = { _ in }
    ) -> EdgeConfiguration {
        var configuration = EdgeConfiguration(
            name: name,
            combiner: combiner,
            security: security,
            workDirectory: workDirectory
        )
        configure(&configuration)
        return configuration
    }
}
