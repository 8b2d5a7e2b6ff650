/// What can go wrong talking to a Fedge daemon's REST API.
package enum APIClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The daemon answered with an error body; `message` is its sentence, shown as is.
    case server(status: Int, code: String, message: String)
    /// Nothing answers at the endpoint (no socket, connection refused, timed out connecting).
    case unreachable(String)
    /// The daemon answered something this client cannot read (not JSON, not the expected shape, cut short).
    case badResponse(String)
    /// The request cannot be made as given (a URL without a host, a body that is not valid JSON).
    case invalidRequest(String)
    /// A local file to upload could not be read, or a download could not be written.
    case localFile(String)

    package var description: String {
        switch self {
        case .server(_, _, let message): message
        case .unreachable(let sentence), .badResponse(let sentence), .invalidRequest(let sentence),
            .localFile(let sentence):
            sentence
        }
    }

    /// The HTTP status of a ``server(status:code:message:)`` error, otherwise `nil`.
    package var status: Int? {
        if case .server(let status, _, _) = self { return status }
        return nil
    }
}
