package import GRPCNIOTransportHTTP2
package import NIOCore

/// The HTTP/2 settings of every Fedge connection, measured with `fedge bench round`.
///
/// Models move in chunks of just under 64 KiB (`ChunkedTransfer.chunkSize`). HTTP/2's default 16 KiB frames cut
/// each chunk into 4 DATA frames, each parsed, buffered and flow-controlled on its own; 64 KiB frames carry a chunk
/// in one.
package enum TransportTuning {
    /// The largest HTTP/2 frame a peer may send us (SETTINGS_MAX_FRAME_SIZE).
    package static let maxFrameSize = 1 << 16

    /// How often a client pings the server, and how long it then waits for the answer before it closes the
    /// connection and dials again. Without it a link that stalls (a NAT that forgets the connection, a route that
    /// blackholes) leaves a client writing heartbeats into a connection nobody reads, forever: TCP itself only
    /// notices when a write times out, which a blocked HTTP/2 window never does. A stalled link is noticed within
    /// 25 s.
    ///
    /// - The answer may take 10 s. It was 5 s, and a peer busy for a few seconds lost healthy connections: a
    ///   process whose event loops lag (every suite at once under ThreadSanitizer), a ping queued behind a model on
    ///   a slow uplink.
    /// - The timeout must stay shorter than the interval. grpc-swift-nio-transport 2.9.2 restarts its repeating
    ///   ping timer after each ping, and every ping restarts the wait for an answer: with a 20 s timeout and 10 s
    ///   pings, a stalled link was never noticed (`NetworkFaultTests.stalledLinkIsNoticedAndLeft`, 60 s).
    package static let clientKeepalive = (time: Duration.seconds(15), timeout: Duration.seconds(10))

    /// How a server reads from each accepted connection: at most 16 KiB at a time (NIO's default is 64 KiB).
    ///
    /// Every connection keeps its receive buffer, and HTTP/2's frame decoder the bytes it last accumulated, at the
    /// size of the largest read it has seen; after one upload that was about 130 KiB a connection, for as long as the
    /// client stays. With 16 KiB reads a combiner's peak over a round of 300 uploads fell from 123 to 90 MiB, at the
    /// same round time (`fedge bench round --clients 300 --params 262140`; see BENCHMARKS.md).
    package static let serverReads = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: 16 * 1024)

    /// A client transport's configuration: 1 MiB of window (gRPC's default is 8 MiB), so that a server sending a
    /// model runs at most a MiB ahead of the client reading it; keepalive pings every 15 s.
    package static func client() -> HTTP2ClientTransport.Posix.Config {
        var config = HTTP2ClientTransport.Posix.Config.defaults
        config.http2.maxFrameSize = Self.maxFrameSize
        config.http2.targetWindowSize = 1 << 20
        config.connection.keepalive = .init(
            time: Self.clientKeepalive.time,
            timeout: Self.clientKeepalive.timeout,
            allowWithoutCalls: true
        )
        return config
    }

    /// A server transport's configuration, with `window` bytes of flow-control window per connection and stream
    /// (what a peer may send before it is read: a server's memory per stream in flight). It accepts the clients'
    /// keepalive pings, and pings a peer silent for 30 s itself, closing the connection when no answer comes in
    /// 10 s (gRPC's default waits 2 hours).
    package static func server(window: Int) -> HTTP2ServerTransport.Posix.Config {
        var config = HTTP2ServerTransport.Posix.Config.defaults
        config.http2.maxFrameSize = Self.maxFrameSize
        config.http2.targetWindowSize = window
        config.connection.keepalive = .init(
            time: .seconds(30),
            timeout: .seconds(10),
            clientBehavior: .init(
                minPingIntervalWithoutCalls: Self.clientKeepalive.time / 2,
                allowWithoutCalls: true
            )
        )
        config.channelDebuggingCallbacks.onAcceptTCPConnection = { channel in
            channel.setOption(ChannelOptions.recvAllocator, value: Self.serverReads)
        }
        return config
    }
}
