import Foundation
package import GRPCNIOTransportHTTP2

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `HOST:PORT` address that a node dials or listens on.
package struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    package var host: String
    package var port: Int

    package init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT`, `[IPv6]:PORT` or `:PORT` (all interfaces); `nil` when it is none of those.
    package init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.host = host.isEmpty ? "0.0.0.0" : host
        self.port = port
    }

    package var description: String {
        self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)"
    }

    /// The address to tell others for a listener on this endpoint: a wildcard host is replaced by this host's name.
    package var advertised: Endpoint {
        let wildcard = self.host == "0.0.0.0" || self.host == "::"
        return Endpoint(host: wildcard ? ProcessInfo.processInfo.hostName : self.host, port: self.port)
    }
}

extension Endpoint {
    /// The gRPC target to dial: an IP literal as an address (TLS then sends no SNI, which may not name an IP),
    /// anything else through DNS.
    package var target: any ResolvableTarget {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, self.host, &v4) == 1 { return .ipv4(address: self.host, port: self.port) }
        if inet_pton(AF_INET6, self.host, &v6) == 1 { return .ipv6(address: self.host, port: self.port) }
        return .dns(host: self.host, port: self.port)
    }
}
