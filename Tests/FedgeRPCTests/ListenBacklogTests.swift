import FedgeEdge
import FedgeRPC
import FedgeTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Listen backlog")
struct ListenBacklogTests {
    /// A TCP socket listening on 127.0.0.1 with `backlog`, and its port.
    static func listeningSocket(backlog: Int32) throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        try #require(bound == 0 && listen(fd, backlog) == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// The backlog `ss` shows for the listener on `port` (its Send-Q column), or `nil` without `ss`.
    static func shownBacklog(port: Int) -> Int? {
        guard let output = try? SpawnedProcess.runBlocking("/usr/bin/env", ["ss", "-Hltn", "sport = :\(port)"]),
            output.status == 0
        else { return nil }
        let columns = output.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" })
        return columns.count > 2 ? Int(columns[2]) : nil
    }

    @Test func raisesTheBacklogOfTheSocketOnThePortOnly() throws {
        let (fd, port) = try Self.listeningSocket(backlog: 16)
        defer { close(fd) }
        let (other, otherPort) = try Self.listeningSocket(backlog: 16)
        defer { close(other) }
        #expect(ListenBacklog.raise(port: port, to: 1000) == 1)
        if let shown = Self.shownBacklog(port: port), let untouched = Self.shownBacklog(port: otherPort) {
            #expect(shown == 1000)
            #expect(untouched == 16)
        }
        #expect(ListenBacklog.raise(port: 1, to: 1000) == 0)
    }
}
