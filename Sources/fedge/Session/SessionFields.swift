import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels
import Foundation

/// The lines that describe a session.
enum SessionFields {
    /// Aggregator, rounds and models.
    static func summary(_ session: SessionDTO) -> [(String, String)] {
        let config = session.config
        return [
            ("aggregator", Self.aggregator(config)),
            ("rounds", "\(session.roundsDone)/\(config.rounds.map(String.init) ?? "?")"),
            ("seed model", Format.hash(session.seedModel)),
            ("latest model", session.latestModel.map(Format.hash) ?? ""),
            ("reason", session.reason ?? ""),
        ]
    }

    /// The summary and the rest of the config.
    static func full(_ session: SessionDTO) -> [(String, String)] {
        let config = session.config
        let settings = (config.clientSettings ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return Self.summary(session) + [
            ("created", "\(Format.timestamp(session.createdAt)) (\(Format.relative(session.createdAt)))"),
            ("round timeout", config.roundTimeout.map(Format.duration) ?? ""),
            ("buffer size", config.bufferSize.map { $0 == 0 ? "0 (every selected client)" : String($0) } ?? ""),
            ("clients required", config.clientsRequired.map(String.init) ?? ""),
            (
                "requested clients",
                config.requestedClients.map { $0 == 0 ? "0 (every active client)" : String($0) }
                    ?? ""
            ),
            ("validate", config.validate.map { $0 ? "yes" : "no" } ?? ""),
            ("client settings", settings.joined(separator: " ")),
        ]
    }

    private static func aggregator(_ config: SessionConfigDTO) -> String {
        let name = config.aggregator ?? "-"
        guard let params = config.aggregatorParams, !params.isEmpty else { return name }
        return "\(name) (\(Format.metrics(params)))"
    }
}
