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

    package static func parseDate(_ text: String) -> Date? {
        (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
            ?? (try? Date(text, strategy: Date.ISO8601FormatStyle()))
    }
}
