import ArgumentParser
import FedgeAggregation
import FedgeCore
import FedgeTensor
import Foundation

/// What `fedge aggregate --json` prints.
struct AggregateReport: Encodable {
    var out: String
    var modelID: String
    var parent: String
    var aggregator: String
    var parameters: [String: Double]
    var totalWeight: Double
    var serverStep: Int?
    var contributions: [Contribution]

    enum CodingKeys: String, CodingKey {
        case out
        case modelID = "model_id"
        case parent
        case aggregator
        case parameters
        case totalWeight = "total_weight"
        case serverStep = "server_step"
        case contributions
    }
}
