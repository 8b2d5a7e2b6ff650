package import FedgeCore
package import Foundation

/// How a round is spread over the combiners that can take part — a value with no I/O, tested alone.
///
/// `requested_clients` and `buffer_size` are split among combiners in proportion to their active clients (largest
/// remainder, so the parts add up, never more than a combiner has); a combiner whose share is zero sits the round
/// out. Validation rounds ask every active client.
package struct RoundPlanner: Sendable, Hashable {
    /// A combiner that can take part, with its active clients.
    package struct Participant: Sendable, Hashable {
        package var name: String
        package var online: Int

        package init(name: String, online: Int) {
            self.name = name
            self.online = online
        }
    }

    package var participants: [Participant]

    /// A planner over the combiners of `participants` that have at least one active client.
    package init(participants: [Participant]) {
        self.participants = participants.filter { $0.online > 0 }
    }

    /// One plan per taking part combiner, by name.
    package func plans(
        session: SessionID,
        round: Int,
        kind: TaskKind,
        model: ModelID,
        modelSize: UInt64,
        config: SessionConfig,
        deadline: Date
    ) -> [String: RoundPlan] {
        let training = kind == .train
        let online = self.participants.map(\.online)
        let quotas =
            config.requestedClients > 0 && training
            ? Self.split(config.requestedClients, by: online) : online.map { _ in 0 }
        // Who takes part: every participant, unless requested_clients left it no quota. The buffer is split among
        // those only, by the clients each will ask.
        let taking = self.participants.indices.filter { !(config.requestedClients > 0 && training && quotas[$0] == 0) }
        let share = taking.map { quotas[$0] == 0 ? online[$0] : quotas[$0] }
        let buffers =
            config.bufferSize > 0 && training ? Self.split(config.bufferSize, by: share) : share.map { _ in 0 }
        var plans: [String: RoundPlan] = [:]
        for (position, index) in taking.enumerated() {
            if config.bufferSize > 0 && training && buffers[position] == 0 { continue }
            var plan = RoundPlan(
                session: session,
                round: round,
                kind: kind,
                model: model,
                modelSize: modelSize,
                quota: quotas[index],
                deadline: deadline,
                bufferSize: buffers[position],
                minUpdates: 1,
                clientSettingsJSON: config.clientSettingsJSON,
                aggregator: config.aggregator,
                aggregatorParameters: config.aggregatorParams
            )
            plan.maxNumExamples = config.numExamplesCeiling
            plan.package = config.package
            plan.packageSize = config.packageSize ?? 0
            plans[self.participants[index].name] = plan
        }
        return plans
    }

    /// How many clients `plans` ask for in all: each combiner's quota, or all its active clients.
    package func expectedClients(_ plans: [String: RoundPlan]) -> Int {
        plans.reduce(0) { total, entry in
            let online = self.participants.first { $0.name == entry.key }?.online ?? 0
            return total + (entry.value.quota == 0 ? online : min(entry.value.quota, online))
        }
    }

    /// Splits `total` in proportion to `weights` (largest remainder), never giving a part more than its weight.
    package static func split(_ total: Int, by weights: [Int]) -> [Int] {
        let sum = weights.reduce(0, +)
        guard sum > 0 else { return weights.map { _ in 0 } }
        let target = min(total, sum)
        var parts = weights.map { target * $0 / sum }
        var remainders = weights.enumerated().map { (index: $0.offset, rest: target * $0.element % sum) }
        remainders.sort { $0.rest != $1.rest ? $0.rest > $1.rest : $0.index < $1.index }
        var left = target - parts.reduce(0, +)
        for entry in remainders where left > 0 && parts[entry.index] < weights[entry.index] {
            parts[entry.index] += 1
            left -= 1
        }
        return parts
    }
}
