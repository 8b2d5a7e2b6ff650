package import FedgeAPIModels
package import Foundation
package import Hummingbird
import NIOCore

/// Decodes the REST API's JSON request bodies (snake_case, ISO 8601 dates). For an `APIRequestBody` it first
/// refuses a field the body does not have (a typo would otherwise fall back to the default without a word) and
/// `null` for a field: an optional field is left out for its default (the API never sends `null` either).
/// Values inside free-form maps (a session's `client_settings`) are the caller's and may be anything.
package struct APIRequestDecoder: RequestDecoder {
    package init() {}

    package func decode<T: Decodable>(
        _ type: T.Type,
        from request: Request,
        context: some RequestContext
    ) async throws -> T {
        let data = Data(try await request.body.collect(upTo: context.maxUploadSize).readableBytesView)
        if let body = T.self as? any APIRequestBody.Type { try Self.check(data, fields: body.fields) }
        return try API.makeDecoder().decode(T.self, from: data)
    }

    /// Refuses unknown fields and `null`s at the top of a JSON object; anything that is not an object is left to
    /// the decoder, which says what it expected.
    static func check(_ data: Data, fields: [String]) throws(APIError) {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return }
        let known = Set(fields)
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw APIError(
                .badRequest,
                "The body has a field '\(unknown.prefix(64))' this route does not take; it takes "
                    + "\(fields.joined(separator: ", "))."
            )
        }
        if let field = object.keys.sorted().first(where: { object[$0] is NSNull }) {
            throw APIError(.badRequest, "\(field) is null; leave the field out for its default, or give it a value.")
        }
    }
}
