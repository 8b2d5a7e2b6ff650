import Foundation

/// Where an ``APIClient`` sends its requests: a daemon's Unix control socket, or a base URL over TCP.
///
/// ```swift
/// let local = APIEndpoint.unixSocket(APIEndpoint.defaultControllerSocket())
/// let remote = try APIEndpoint.url("https://fedge.example.org:8443", token: "s3cret")
/// ```
package struct APIEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// How requests reach the daemon.
    package enum Transport: Sendable, Hashable {
        /// A Unix domain socket at this path; trusted by file mode, so no token is needed.
        case unixSocket(path: String)
        /// An `http` or `https` base URL, without a trailing slash (paths such as `/api/v1/sessions` are appended).
        case http(baseURL: String)
    }

    /// The daemon the endpoint leads to; it decides how an unreachable endpoint is explained.
    package enum Daemon: String, Sendable, Hashable {
        case controller
        case combiner
    }

    package var transport: Transport
    /// Sent as `Authorization: Bearer TOKEN` when present.
    package var token: String?
    package var daemon: Daemon
    /// A PEM file of the CA that signed an `https` daemon's certificate (default: the system's roots).
    package var trustRoots: String?

    package init(transport: Transport, token: String? = nil, daemon: Daemon = .controller) {
        self.transport = transport
        self.token = token
        self.daemon = daemon
    }

    /// A Unix control socket at `path`.
    package static func unixSocket(_ path: String, token: String? = nil, daemon: Daemon = .controller) -> APIEndpoint {
        APIEndpoint(transport: .unixSocket(path: path), token: token, daemon: daemon)
    }

    /// A base URL such as `http://127.0.0.1:8080`.
    ///
    /// - Throws: ``APIClientError/invalidRequest(_:)`` when `text` is not an `http` or `https` URL with a host.
    package static func url(
        _ text: String,
        token: String? = nil,
        daemon: Daemon = .controller,
        trustRoots: String? = nil
    )
        throws(APIClientError) -> APIEndpoint
    {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty
        else {
            throw .invalidRequest(
                "'\(text)' is not an http or https URL with a host; give it as http://HOST:PORT, e.g. "
                    + "http://127.0.0.1:8080."
            )
        }
        var base = text
        while base.hasSuffix("/") { base.removeLast() }
        var endpoint = APIEndpoint(transport: .http(baseURL: base), token: token, daemon: daemon)
        endpoint.trustRoots = trustRoots
        return endpoint
    }

    /// The controller's control socket: `$FEDGE_HOME/run/controller.sock`, `$FEDGE_HOME` defaulting to
    /// `~/.local/share/fedge`.
    ///
    /// - Parameter environment: The environment to read `FEDGE_HOME` from; the process's by default.
    package static func defaultControllerSocket(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String {
        Self.runDirectory(environment: environment).appendingPathComponent("controller.sock").path
    }

    /// Combiner `name`'s control socket: `$FEDGE_HOME/run/combiner-NAME.sock`.
    package static func defaultCombinerSocket(
        name: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String {
        Self.runDirectory(environment: environment).appendingPathComponent("combiner-\(name).sock").path
    }

    private static func runDirectory(environment: [String: String]) -> URL {
        let home: URL
        if let value = environment["FEDGE_HOME"], !value.isEmpty {
            home = URL(fileURLWithPath: value)
        } else {
            home = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/share/fedge")
        }
        return home.appendingPathComponent("run")
    }

    /// The socket path or the base URL.
    package var description: String {
        switch self.transport {
        case .unixSocket(let path): path
        case .http(let baseURL): baseURL
        }
    }
}
