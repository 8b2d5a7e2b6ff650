import FedgeRPC
import GRPCNIOTransportHTTP2
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

@Suite("Transport tuning")
struct TransportTuningTests {
    @Test("a server reads at most 16 KiB at a time from every connection it accepts")
    func acceptedConnectionsReadInSmallBuffers() async throws {
        let accept = try #require(
            TransportTuning.server(window: 1 << 16).channelDebuggingCallbacks.onAcceptTCPConnection
        )
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let accepted = NIOLockedValueBox<(any Channel)?>(nil)
        let server = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                accepted.withLockedValue { $0 = channel }
                return accept(channel)
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let client = try await ClientBootstrap(group: group).connect(to: server.localAddress!).get()
        var channel: (any Channel)? = nil
        for _ in 0..<100 where channel == nil {
            channel = accepted.withLockedValue { $0 }
            if channel == nil { try await Task.sleep(for: .milliseconds(10)) }
        }
        let reads = try await #require(channel).getOption(ChannelOptions.recvAllocator).get()
        let adaptive = try #require(reads as? AdaptiveRecvByteBufferAllocator)
        #expect(adaptive.maximum == 16 * 1024)
        try await client.close()
        try await server.close()
        try await group.shutdownGracefully()
    }
}
