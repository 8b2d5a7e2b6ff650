package import FedgeCore
import Foundation
import Logging

/// What the controller tells an attached combiner.
package enum CombinerInstruction: Sendable, Hashable {
    case plan(RoundPlan)
    case cancel(session: String, round: Int, reason: String)
    /// The ids of every revoked token, whole.
    case revocations(Set<String>)
}
