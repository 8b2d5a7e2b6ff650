import Foundation

/// `GET /health`.
package struct HealthDTO: Sendable, Hashable, Codable {
    /// `ok`.
    package var status: String
    /// `controller` or `combiner`.
    package var role: String
    package var name: String
    package var version: String
    package var uptimeSeconds: Double
    /// `tls`, or `insecure` when TLS is off (`--insecure`; tokens are still required).
    package var transport: String

    package init(
        status: String,
        role: String,
        name: String,
        version: String,
        uptimeSeconds: Double,
        transport: String = "tls"
    ) {
        self.transport = transport
        self.status = status
        self.role = role
        self.name = name
        self.version = version
        self.uptimeSeconds = uptimeSeconds
    }
}
