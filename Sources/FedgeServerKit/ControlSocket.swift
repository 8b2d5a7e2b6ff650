import Foundation
package import Hummingbird
import HummingbirdCore
import HummingbirdTLS
package import Logging
import NIOCore
import NIOSSL
package import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

package enum ControlSocket {
    /// Gets `path` ready to bind: its directory exists with mode 0700, and a socket file left by a process that
    /// died is removed. A socket some live process still answers on is refused.
    package static func prepare(_ path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(
            atPath: directory,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        _ = chmod(directory, 0o700)
        guard FileManager.default.fileExists(atPath: path) else { return }
        if Self.answers(path) {
            throw ControlSocketError(
                description:
                    "Another daemon is listening on \(path); stop it first, or give this one another FEDGE_HOME."
            )
        }
        try FileManager.default.removeItem(atPath: path)
    }

    /// Whether something accepts connections on the Unix socket at `path`.
    package static func answers(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return result == 0
    }
}

extension HTTPListener {
    /// A Hummingbird application serving `router` here; `onListening` gets the bound address (the port, when 0
    /// was asked for).
    package func application<Responder: HTTPResponderBuilder>(
        name: String,
        router: Responder,
        logger: Logger,
        onListening: @escaping @Sendable (String) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol & Service
    where
        Responder.Responder.Context: RequestContext,
        Responder.Responder.Context.Source == ApplicationRequestContextSource
    {
        switch self {
        case .tcp(let host, let port, let tls):
            let scheme = tls == nil ? "http" : "https"
            let server: HTTPServerBuilder
            if let tls {
                server = try .tls(.http1(), tlsConfiguration: try tls.serverConfiguration())
            } else {
                server = .http1()
            }
            return Application(
                router: router,
                server: server,
                configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: name),
                onServerRunning: { channel in
                    let port = channel.localAddress?.port ?? port
                    await onListening("\(scheme)://\(host):\(port)")
                },
                logger: logger
            )
        case .controlSocket(let path):
            try ControlSocket.prepare(path)
            return Application(
                router: router,
                server: .http1(),
                configuration: ApplicationConfiguration(address: .unixDomainSocket(path: path), serverName: name),
                onServerRunning: { _ in
                    _ = chmod(path, 0o600)
                    await onListening("unix:\(path)")
                },
                logger: logger
            )
        }
    }
}
