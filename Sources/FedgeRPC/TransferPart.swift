package import Foundation

/// A piece of a chunked transfer: a header first, data chunks, then a trailer with the SHA-256 of all the data.
package enum TransferPart<Header: Sendable>: Sendable {
    case header(Header)
    case data(Data)
    case trailer(sha256: String)
}

/// A proto message that is one piece of a chunked transfer (model, update or partial aggregate).
package protocol ChunkMessage: Sendable {
    associatedtype Header: Sendable
    /// The piece this message carries, or `nil` when it carries none (a malformed message).
    var transferPart: TransferPart<Header>? { get }
    init(_ part: TransferPart<Header>)
}
