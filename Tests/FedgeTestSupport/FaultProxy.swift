import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A TCP proxy for fault tests: forwards a loopback port to an upstream one, and on command stalls the link,
/// slows it (a byte rate and a one-way latency) or cuts every connection through it mid-stream.
///
/// The kernels of these machines have no `netem`, so network faults between two processes (or two nodes of one
/// process) are made by dialling through a proxy instead of the real port:
///
/// ```swift
/// let proxy = try await FaultProxy.start(upstream: combinerPort)
/// proxy.set(.stalled)          // bytes stop flowing both ways; connections stay open
/// proxy.set(.slow(bytesPerSecond: 1 << 20, latency: .milliseconds(200)))
/// proxy.cut()                  // closes what is open; new connections are accepted
/// ```
package final class FaultProxy: Sendable {
    /// How the proxy treats the bytes it forwards, in both directions.
    package enum Mode: Sendable, Equatable {
        /// Forwarded as they come.
        case passing
        /// Held: nothing is forwarded until the mode changes (TCP stays up, as when a route blackholes). What comes
        /// in meanwhile is kept and forwarded once the link carries bytes again, as TCP would retransmit it, and an
        /// end that comes in (a peer giving up on the link) is noticed at once and forwarded after those bytes.
        case stalled
        /// Forwarded at most `bytesPerSecond` a direction, each piece `latency` after it arrived.
        case slow(bytesPerSecond: Int, latency: Duration)
    }

    /// The loopback port to dial instead of the upstream one.
    package let port: Int
    private let upstreamPort: Int
    private let state = NIOLockedValueBox(State())
    private let server: any Channel

    private struct State {
        var mode = Mode.passing
        var open: [ObjectIdentifier: any Channel] = [:]
        var forwarded = 0
        var connections = 0
        /// The connections whose client side is open, by the order they were accepted in.
        var live: Set<Int> = []
        var cuts = 0
    }

    private init(port: Int, upstreamPort: Int, server: any Channel) {
        self.port = port
        self.upstreamPort = upstreamPort
        self.server = server
    }

    /// Listens on a free loopback port and forwards every connection to `127.0.0.1:upstream`.
    package static func start(upstream: Int) async throws -> FaultProxy {
        let box = NIOLockedValueBox<FaultProxy?>(nil)
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let proxy = box.withLockedValue({ $0 }) else { throw ChannelError.ioOnClosedChannel }
                    let inbound = try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    Task { await proxy.relay(inbound) }
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let proxy = FaultProxy(port: server.localAddress?.port ?? 0, upstreamPort: upstream, server: server)
        box.withLockedValue { $0 = proxy }
        return proxy
    }

    /// The mode from now on, for connections open and new.
    package func set(_ mode: Mode) { self.state.withLockedValue { $0.mode = mode } }

    /// Closes every connection open through the proxy, both sides, in the middle of whatever they carry; later
    /// connections go through as the mode says.
    package func cut() {
        let open = self.state.withLockedValue { state in
            state.cuts += 1
            defer { state.open = [:] }
            return Array(state.open.values)
        }
        for channel in open { channel.close(promise: nil) }
    }

    /// Bytes forwarded so far, both directions.
    package var forwardedBytes: Int { self.state.withLockedValue { $0.forwarded } }

    /// Connections accepted so far.
    package var connections: Int { self.state.withLockedValue { $0.connections } }

    /// The connections whose client side is still open, by the order they were accepted in (from 0): a stalled
    /// link's old connections leave this set when their clients give up on them, before any byte flows again.
    package var liveConnections: Set<Int> { self.state.withLockedValue { $0.live } }

    /// Stops listening and cuts what is open.
    package func close() async {
        self.cut()
        try? await self.server.close()
    }

    private func relay(_ client: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        self.track(client.channel)
        defer { self.untrack(client.channel) }
        let number = self.state.withLockedValue { state in
            defer { state.connections += 1 }
            state.live.insert(state.connections)
            return state.connections
        }
        // The channel closes when its peer closes (no half-closure), even while the link is stalled: the reading
        // side never waits.
        client.channel.closeFuture.whenComplete { _ in
            _ = self.state.withLockedValue { $0.live.remove(number) }
        }
        do {
            let upstream = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connect(host: "127.0.0.1", port: self.upstreamPort) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
            self.track(upstream.channel)
            defer { self.untrack(upstream.channel) }
            try await client.executeThenClose { clientIn, clientOut in
                try await upstream.executeThenClose { upstreamIn, upstreamOut in
                    // Either direction ending (or a cut) ends both: gRPC needs no half-closed connections.
                    await withTaskGroup(of: Void.self) { group in
                        group.addTask { try? await self.pump(clientIn, into: upstreamOut) }
                        group.addTask { try? await self.pump(upstreamIn, into: clientOut) }
                        await group.next()
                        group.cancelAll()
                    }
                }
            }
        } catch {
            try? await client.channel.close()
        }
    }

    /// Forwards one direction: each piece waits for its latency, the rate's budget, and the end of a stall. The
    /// source is read as bytes come (so that its end is seen even during a stall); the pump ends once everything
    /// read has been forwarded, or when forwarding fails.
    private func pump(
        _ source: NIOAsyncChannelInboundStream<ByteBuffer>,
        into sink: NIOAsyncChannelOutboundWriter<ByteBuffer>
    ) async throws {
        let (pieces, queue) = AsyncStream.makeStream(of: (ByteBuffer, ContinuousClock.Instant).self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { queue.finish() }
                for try await buffer in source { queue.yield((buffer, .now)) }
            }
            group.addTask {
                // When the link has sent what it was given: each piece is sent once its latency has passed and the
                // link is free, and takes its size over the rate. Kept as an instant, not slept as durations: a
                // wake-up that comes late (a busy machine, a sanitizer) is caught up on, so the link keeps its rate
                // instead of losing every delay of the scheduler.
                var free = ContinuousClock.now
                for await (buffer, arrived) in pieces {
                    try await self.waitWhileStalled()
                    if case .slow(let rate, let latency) = self.state.withLockedValue({ $0.mode }) {
                        let start = max(arrived + latency, free)
                        free = start + .seconds(Double(buffer.readableBytes) / Double(max(rate, 1)))
                        try await Task.sleep(until: free)
                    }
                    try await sink.write(buffer)
                    self.state.withLockedValue { $0.forwarded += buffer.readableBytes }
                }
            }
            // Both end: the reader at its source's end, the writer once it forwarded what the reader queued. A
            // failure of either throws out of the group, which cancels the other.
            while try await group.next() != nil {}
        }
    }

    private func waitWhileStalled() async throws {
        while self.state.withLockedValue({ $0.mode == .stalled }) {
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    private func track(_ channel: any Channel) {
        self.state.withLockedValue { $0.open[ObjectIdentifier(channel)] = channel }
    }

    private func untrack(_ channel: any Channel) {
        _ = self.state.withLockedValue { $0.open.removeValue(forKey: ObjectIdentifier(channel)) }
    }
}
