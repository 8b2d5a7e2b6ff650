package import FedgeCore
import Foundation

/// Which clients a round asks, and the tasks it gives them — a value with no I/O, tested alone.
///
/// Eligible clients are shuffled (with the given generator, so tests can fix it) and the first `quota` of them are
/// chosen (all when the quota is 0). A round that would have fewer than its minimum, or no client at all, does not
/// start.
package struct ClientSelection: Sendable, Hashable {
    /// A chosen client and its task.
    package struct Assignment: Sendable, Hashable {
        package var task: TrainingTask
        package var client: ClientID
    }

    /// The chosen clients and a task for each.
    package var assignments: [Assignment]
    /// How many clients were eligible.
    package var eligible: Int

    /// Why a round could not start.
    package struct Shortfall: Error, Hashable, CustomStringConvertible {
        package var available: Int
        package var needed: Int

        package init(available: Int, needed: Int) {
            self.available = available
            self.needed = needed
        }

        package var description: String {
            "\(self.available) clients are online and idle; the round needs at least \(self.needed)"
        }
    }

    /// Chooses clients among `eligible` for `plan` and makes their tasks.
    ///
    /// - Throws: `Shortfall` when too few clients are eligible.
    package init(
        plan: RoundPlan,
        eligible: [ClientID],
        modelSize: UInt64,
        using generator: inout some RandomNumberGenerator
    ) throws(Shortfall) {
        var candidates = eligible
        candidates.shuffle(using: &generator)
        let quota = plan.quota > 0 ? min(plan.quota, candidates.count) : candidates.count
        let chosen = candidates.prefix(quota)
        guard !chosen.isEmpty, chosen.count >= plan.minUpdates else {
            throw Shortfall(available: chosen.count, needed: max(1, plan.minUpdates))
        }
        self.eligible = eligible.count
        self.assignments = chosen.map { client in
            let suffix = (0..<8).map { _ in String(UInt8.random(in: 0...15, using: &generator), radix: 16) }.joined()
            var task = TrainingTask(
                id: TaskID("\(plan.session)-r\(plan.round)-\(suffix)"),
                session: plan.session,
                round: plan.round,
                kind: plan.kind,
                model: plan.model,
                modelSize: modelSize,
                clientSettingsJSON: plan.clientSettingsJSON,
                deadline: plan.deadline
            )
            task.package = plan.package
            task.packageSize = plan.packageSize
            return Assignment(task: task, client: client)
        }
    }
}
