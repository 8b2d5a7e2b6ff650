/// Splits a `text/event-stream` body into events, as bytes arrive in arbitrary chunks.
///
/// Lines end with LF, CRLF or CR. `event:`, `id:` and `data:` fields build an event (several `data:` lines join
/// with newlines); a blank line ends it. Lines starting with `:` are comments (keep-alives) and are skipped, as
/// are unknown fields and events without data. A value type with no I/O: feed it bytes, get events back.
struct ServerSentEventParser: Sendable {
    /// One complete event.
    struct Event: Sendable, Hashable {
        /// The `event:` field, when given.
        var name: String?
        /// The last `id:` seen on the stream, when any.
        var id: String?
        var data: String
    }

    /// Lines longer than this are an error rather than unbounded buffering.
    static let maxLineBytes = 16 * 1024 * 1024

    private var line: [UInt8] = []
    private var afterCR = false
    private var name: String?
    private var lastID: String?
    private var data: [String] = []

    init() {}

    /// Parses `bytes`, returning the events they complete (possibly none).
    ///
    /// - Throws: ``APIClientError/badResponse(_:)`` when a line exceeds ``maxLineBytes``.
    mutating func feed(_ bytes: some Sequence<UInt8>) throws -> [Event] {
        var events: [Event] = []
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\n"):
                if self.afterCR {
                    self.afterCR = false
                } else if let event = self.endLine() {
                    events.append(event)
                }
            case UInt8(ascii: "\r"):
                self.afterCR = true
                if let event = self.endLine() { events.append(event) }
            default:
                self.afterCR = false
                guard self.line.count < Self.maxLineBytes else {
                    throw APIClientError.badResponse(
                        "The event stream sent a line longer than \(Self.maxLineBytes) bytes; it is not a Fedge stream."
                    )
                }
                self.line.append(byte)
            }
        }
        return events
    }

    /// Handles the line gathered so far; returns an event when the line is blank and ends one.
    private mutating func endLine() -> Event? {
        defer { self.line.removeAll(keepingCapacity: true) }
        guard !self.line.isEmpty else { return self.dispatch() }
        if self.line.first == UInt8(ascii: ":") { return nil }
        let field: String
        var value: Substring
        let text = String(decoding: self.line, as: UTF8.self)
        if let colon = text.firstIndex(of: ":") {
            field = String(text[..<colon])
            value = text[text.index(after: colon)...]
            if value.first == " " { value = value.dropFirst() }
        } else {
            field = text
            value = ""
        }
        switch field {
        case "event": self.name = String(value)
        case "data": self.data.append(String(value))
        case "id": self.lastID = String(value)
        default: break
        }
        return nil
    }

    private mutating func dispatch() -> Event? {
        defer {
            self.name = nil
            self.data.removeAll()
        }
        let data = self.data.joined(separator: "\n")
        guard !data.isEmpty else { return nil }
        return Event(name: self.name, id: self.lastID, data: data)
    }
}
