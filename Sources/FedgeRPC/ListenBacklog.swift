package import GRPCNIOTransportHTTP2

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The queue of connections a server's listening socket accepts before it refuses new ones.
///
/// grpc-swift-nio-transport binds with NIO's default backlog of 128 and offers no option to change it. When
/// thousands of clients connect at once — a combiner restarting, a fleet starting — the kernel drops the SYNs beyond
/// it (`ListenOverflows` in `nstat`), and each dropped client waits out SYN retransmits and its connect timeout
/// before it retries: 10,000 clients took 117–190 s to connect to one combiner. Linux lets `listen` be called again
/// on a listening socket to change its backlog, so the daemons raise it once their server is bound.
package enum ListenBacklog {
    /// The backlog the daemons ask for; the kernel caps it at `net.core.somaxconn` (4096 on current kernels).
    package static let daemon: Int32 = 4096

    /// Calls `listen(fd, backlog)` on this process's listening TCP sockets bound to `address`'s port; returns how
    /// many it changed (0 for a Unix socket, or on a system without /proc/self/fd).
    @discardableResult
    package static func raise(for address: GRPCNIOTransportCore.SocketAddress, to backlog: Int32 = Self.daemon) -> Int {
        guard let port = address.ipv4?.port ?? address.ipv6?.port else { return 0 }
        return Self.raise(port: port, to: backlog)
    }

    /// Calls `listen(fd, backlog)` on this process's listening TCP sockets bound to `port`; returns how many.
    @discardableResult
    package static func raise(port: Int, to backlog: Int32 = Self.daemon) -> Int {
        #if os(Linux)
        guard let directory = opendir("/proc/self/fd") else { return 0 }
        defer { closedir(directory) }
        var raised = 0
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let fd = Int32(name), Self.isListening(fd), Self.localPort(of: fd) == port else { continue }
            if listen(fd, backlog) == 0 { raised += 1 }
        }
        return raised
        #else
        return 0
        #endif
    }

    /// Whether `fd` is a socket in the listening state.
    private static func isListening(_ fd: Int32) -> Bool {
        var accepting: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &length) == 0 && accepting == 1
    }

    /// The TCP port `fd` is bound to, or `nil` for another kind of socket.
    private static func localPort(of fd: Int32) -> Int? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let bound = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard bound == 0 else { return nil }
        switch Int32(storage.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
            }
        case AF_INET6:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    Int(UInt16(bigEndian: $0.pointee.sin6_port))
                }
            }
        default:
            return nil
        }
    }
}
