package import Foundation

/// The API's paths under `/api/v1`, and the JSON coding both sides use (snake_case keys, ISO 8601 dates).
package enum API {
    package static let prefix = "/api/v1"
    package static let health = "/health"
    package static let metrics = "/metrics"

    package static let combiners = "/api/v1/combiners"
    package static let clients = "/api/v1/clients"
    package static let sessions = "/api/v1/sessions"
    package static let rounds = "/api/v1/rounds"
    package static let models = "/api/v1/models"
    package static let activeModel = "/api/v1/models/active"
    package static let trailCheck = "/api/v1/models/verify"
    package static let validations = "/api/v1/validations"
    package static let metricsList = "/api/v1/metrics"
    package static let events = "/api/v1/events"
    package static let eventStream = "/api/v1/events/stream"
    package static let auditCheck = "/api/v1/events/verify"
    package static let packages = "/api/v1/packages"
    package static let tokens = "/api/v1/tokens"
    package static let combinerEnrollments = "/api/v1/enrollments/combiners"
    package static let clientEnrollments = "/api/v1/enrollments/clients"
    /// A combiner's own API (on its control socket).
    package static let combinerStatus = "/api/v1/status"

    package static func session(_ id: String) -> String { "\(sessions)/\(escape(id))" }
    package static func sessionStart(_ id: String) -> String { "\(sessions)/\(escape(id))/start" }
    package static func sessionStop(_ id: String) -> String { "\(sessions)/\(escape(id))/stop" }
    package static func sessionRounds(_ id: String) -> String { "\(sessions)/\(escape(id))/rounds" }
    package static func round(session: String, number: Int) -> String {
        "\(sessions)/\(escape(session))/rounds/\(number)"
    }
    package static func package(_ id: String) -> String { "\(packages)/\(escape(id))" }
    package static func packageActivate(_ id: String) -> String { "\(packages)/\(escape(id))/activate" }
    package static func token(_ id: String) -> String { "\(tokens)/\(escape(id))" }
    package static func model(_ id: String) -> String { "\(models)/\(escape(id))" }
    package static func modelFile(_ id: String) -> String { "\(models)/\(escape(id))/file" }
    package static func modelLineage(_ id: String) -> String { "\(models)/\(escape(id))/lineage" }

    private static func escape(_ component: String) -> String {
        component.addingPercentEncoding(
            withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))
        ) ?? component
    }

    /// The encoder both sides use.
    package static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Self.formatDate(date))
        }
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    /// The decoder both sides use.
    package static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = Self.parseDate(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container,
                    debugDescription: "'\(text)' is not an ISO 8601 date"
                )
            }
            return date
        }
        return decoder
    }

    /// ISO 8601 with milliseconds, in UTC.
    package static func formatDate(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// An RFC 3339 date-time (what OpenAPI's `date-time` means): `T` and `Z` in either case, fractional seconds
    /// or none, `Z` or any offset up to ±23:59 (Foundation's ISO 8601 parser stops at ±18:00, so the offset is
    /// applied here).
    package static func parseDate(_ text: String) -> Date? {
        var text = text.uppercased()
        var offset = 0
        let tail = Array(text.utf8.suffix(6))
        if tail.count == 6, tail[0] == UInt8(ascii: "+") || tail[0] == UInt8(ascii: "-"), tail[3] == UInt8(ascii: ":") {
            let digits = [tail[1], tail[2], tail[4], tail[5]].map { Int($0) - Int(UInt8(ascii: "0")) }
            guard digits.allSatisfy((0...9).contains) else { return nil }
            let hours = digits[0] * 10 + digits[1]
            let minutes = digits[2] * 10 + digits[3]
            guard hours < 24, minutes < 60 else { return nil }
            offset = (hours * 60 + minutes) * 60 * (tail[0] == UInt8(ascii: "-") ? -1 : 1)
            text = String(text.dropLast(6)) + "Z"
        }
        let date =
            (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
            ?? (try? Date(text, strategy: Date.ISO8601FormatStyle()))
        return date?.addingTimeInterval(-Double(offset))
    }
}
