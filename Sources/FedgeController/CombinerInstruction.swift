package import FedgeCore
package import Foundation
package import Logging

/// What the controller tells an attached combiner.
package enum CombinerInstruction: Sendable, Hashable {
    case plan(RoundPlan)
    case cancel(session: String, round: Int, reason: String)
}
