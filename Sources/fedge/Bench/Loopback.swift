import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Loopback TCP for the round benchmark: ports for its daemons, and connected socket pairs for its baseline.
enum Loopback {
    #if canImport(Glibc)
    private static let streamType = Int32(SOCK_STREAM.rawValue)
    #else
    private static let streamType = SOCK_STREAM
    #endif

    /// A port of 127.0.0.1 that was free a moment ago.
    static func freePort() throws -> Int {
        let fd = try Self.makeSocket()
        defer { close(fd) }
        return Int(try Self.bindLoopback(fd))
    }

    /// Two ends of one loopback TCP connection: `writer` connected to a listener on 127.0.0.1:0, and `reader`,
    /// the connection the listener accepted. Both are close-on-exec; the caller closes them.
    static func connectedPair() throws -> (writer: Int32, reader: Int32) {
        let listener = try Self.makeSocket()
        defer { close(listener) }
        let port = try Self.bindLoopback(listener)
        guard listen(listener, 1) == 0 else { throw BenchError.socket(call: "listen", errno: errno) }
        let writer = try Self.makeSocket()
        var address = Self.address(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                connect(writer, pointer, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let code = errno
            close(writer)
            throw BenchError.socket(call: "connect", errno: code)
        }
        let reader = accept(listener, nil, nil)
        guard reader >= 0 else {
            let code = errno
            close(writer)
            throw BenchError.socket(call: "accept", errno: code)
        }
        _ = fcntl(reader, F_SETFD, FD_CLOEXEC)
        #if canImport(Darwin)
        var on: Int32 = 1
        _ = setsockopt(writer, SOL_SOCKET, SO_NOSIGPIPE, &on, socklen_t(MemoryLayout<Int32>.size))
        #endif
        return (writer, reader)
    }

    /// A close-on-exec IPv4 stream socket.
    private static func makeSocket() throws -> Int32 {
        let fd = socket(AF_INET, Self.streamType, 0)
        guard fd >= 0 else { throw BenchError.socket(call: "socket", errno: errno) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        return fd
    }

    /// Binds `fd` to 127.0.0.1 on a port the system picks, and returns that port.
    private static func bindLoopback(_ fd: Int32) throws -> UInt16 {
        var address = Self.address(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw BenchError.socket(call: "bind", errno: errno) }
        return UInt16(bigEndian: address.sin_port)
    }

    /// 127.0.0.1:`port` as a socket address.
    private static func address(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        return address
    }
}
