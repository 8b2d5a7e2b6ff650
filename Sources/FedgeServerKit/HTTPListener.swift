import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a REST API listens: a TCP address, a Unix control socket, or both with the same routes.
package enum HTTPListener: Sendable, Hashable, CustomStringConvertible {
    /// A TCP address; with `tls` (PEM certificate chain and key files) it speaks HTTPS.
    case tcp(host: String, port: Int, tls: TLSFiles? = nil)
    /// A Unix domain socket, created mode 0600 in a 0700 directory.
    case controlSocket(path: String)

    package var description: String {
        switch self {
        case .tcp(let host, let port, let tls): "\(tls == nil ? "http" : "https")://\(host):\(port)"
        case .controlSocket(let path): "unix:\(path)"
        }
    }
}
