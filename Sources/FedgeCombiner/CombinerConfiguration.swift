package import FedgeRPC
package import Foundation

/// Everything a combiner needs, built once by `fedge-combiner` and passed down by value.
package struct CombinerConfiguration: Sendable {
    /// The name this combiner reports to clients and the controller.
    package var name: String
    /// Where clients reach it.
    package var listen: Endpoint
    package var security: TransportSecurity
    /// The combiner's own token (from its kit), sent on every call to the controller.
    package var token: String?
    /// The combiner's working directory: `models/` (global models by id) and `spool/` (uploads in flight).
    package var home: URL
    package var liveness = LivenessPolicy()
    /// How often clients are asked to heartbeat.
    package var heartbeatInterval: Duration = .seconds(5)
    /// Updates larger than this multiple of the global model (plus 1 MiB) are refused before a byte is stored.
    package var maxUpdateSizeFactor: Double = 2
    /// Model downloads served at once; more wait their turn. Bounds the memory transfers in flight take.
    package var maxConcurrentDownloads = 2
    /// Uploads taken in at once; more wait their turn.
    package var maxConcurrentUploads = 4
    /// The HTTP/2 flow-control window per connection and stream: how much a client may send before the combiner
    /// reads it. Small, so that clients waiting for an upload slot cost almost nothing.
    package var flowControlWindow = 256 * 1024

    package init(name: String, listen: Endpoint, security: TransportSecurity, home: URL) {
        self.name = name
        self.listen = listen
        self.security = security
        self.home = home
    }

    package static func defaults(
        name: String,
        listen: Endpoint,
        security: TransportSecurity,
        home: URL,
        configure: (inout CombinerConfiguration) -> Void = { _ in }
    ) -> CombinerConfiguration {
        var configuration = CombinerConfiguration(name: name, listen: listen, security: security, home: home)
        configure(&configuration)
        return configuration
    }

    package var modelsDirectory: URL { self.home.appendingPathComponent("models") }
    package var spoolDirectory: URL { self.home.appendingPathComponent("spool") }
}

/// When a silent client stops counting as online, then as reachable at all.
package struct LivenessPolicy: Sendable, Hashable {
    /// Heard from within this window: online, eligible for tasks.
    package var activeWindow: Duration = .seconds(15)
    /// Silent longer than this: offline.
    package var offlineWindow: Duration = .seconds(60)
    /// Offline longer than this: forgotten (its id and counters go; a later hello starts afresh).
    package var retention: Duration = .seconds(7 * 86_400)

    package init(
        activeWindow: Duration = .seconds(15),
        offlineWindow: Duration = .seconds(60),
        retention: Duration = .seconds(7 * 86_400)
    ) {
        self.activeWindow = activeWindow
        self.offlineWindow = offlineWindow
        self.retention = retention
    }
}
