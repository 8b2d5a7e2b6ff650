package import NIOCore
import NIOPosix

/// Keeps a sender from running ahead of the transport it writes into.
///
/// gRPC's writers hand each message to the connection's event loop and suspend only once that loop has found the
/// stream unwritable (its peer's flow-control window full). A sender that reads chunks from a warm page cache
/// produces them faster than the loop reports that, so without pacing it queues a whole model in memory for a slow
/// reader: a combiner serving 100 clients held 850 MiB of queued 64 KiB chunks. Every `interval` bytes the sender
/// waits for each event loop of the transport to run once; by then every write it queued has reached the stream,
/// whose writability is up to date, and the next write waits if it must. Memory in flight per transfer is about one
/// interval, whatever the chunk size and however slow the reader.
package struct WritePacing: Sendable {
    /// Bytes sent between two waits.
    package let interval: Int
    private let loops: [any EventLoop]

    /// Paces writes into the transports Fedge uses: gRPC's HTTP/2 transport runs on NIO's shared event loop group.
    package static let transport = WritePacing(interval: 1 << 20, group: MultiThreadedEventLoopGroup.singleton)

    package init(interval: Int, group: any EventLoopGroup) {
        precondition(interval > 0, "a pacing interval is a positive number of bytes")
        self.interval = interval
        self.loops = Array(group.makeIterator())
    }

    /// Whether a sender that has sent `sent` bytes, `last` of them in its latest write, has crossed an interval.
    package func isDue(sent: Int, last: Int) -> Bool {
        sent / self.interval != (sent - last) / self.interval
    }

    /// Waits until every event loop has run the work queued on it so far.
    package func settle() async throws {
        for loop in self.loops {
            try await loop.submit {}.get()
        }
    }
}
