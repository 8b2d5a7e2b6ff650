import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels
import Foundation

/// The lines that describe a model.
enum ModelFields {
    static func full(_ model: ModelDTO) -> [(String, String)] {
        let origin: String
        if let session = model.session {
            origin = "session \(session)" + (model.round.map { " round \($0)" } ?? "")
        } else {
            origin = "uploaded (seed)"
        }
        return [
            ("parent", model.parent ?? ""),
            ("origin", origin),
            ("aggregator", model.aggregator ?? ""),
            ("size", Format.bytes(model.size)),
            ("total weight", model.totalWeight.map(Format.number) ?? ""),
            ("contributors", model.contributions.map { String($0.count) } ?? ""),
            ("metrics", model.metrics.isEmpty ? "" : Format.metrics(model.metrics)),
            ("created", "\(Format.timestamp(model.createdAt)) (\(Format.relative(model.createdAt)))"),
        ]
    }
}
