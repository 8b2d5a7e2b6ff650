package import GRPCNIOTransportHTTP2

/// The HTTP/2 settings of every Fedge connection, measured with `fedge bench round`.
///
/// Models move in 1 MiB chunks. HTTP/2's default 16 KiB frames cut each chunk into 64 DATA frames, each parsed,
/// buffered and flow-controlled on its own; frames of up to 1 MiB carry a chunk in one.
package enum TransportTuning {
    /// The largest HTTP/2 frame a peer may send us (SETTINGS_MAX_FRAME_SIZE).
    package static let maxFrameSize = 1 << 20

    /// A client transport's configuration: 1 MiB of window (gRPC's default is 8 MiB), so that a server sending a
    /// model runs at most a chunk ahead of the client reading it.
    package static func client() -> HTTP2ClientTransport.Posix.Config {
        var config = HTTP2ClientTransport.Posix.Config.defaults
        config.http2.maxFrameSize = Self.maxFrameSize
        config.http2.targetWindowSize = 1 << 20
        return config
    }

    /// A server transport's configuration, with `window` bytes of flow-control window per connection and stream
    /// (what a peer may send before it is read: a server's memory per stream in flight).
    package static func server(window: Int) -> HTTP2ServerTransport.Posix.Config {
        var config = HTTP2ServerTransport.Posix.Config.defaults
        config.http2.maxFrameSize = Self.maxFrameSize
        config.http2.targetWindowSize = window
        return config
    }
}
