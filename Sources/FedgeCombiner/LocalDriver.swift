import FedgeAggregation
package import FedgeCore
import FedgeTensor
import Foundation
package import Logging

/// Runs a `LocalPlan` on a combiner: waits for clients, runs the rounds, and takes each server step itself — the
/// controller's job, done locally until a controller drives the combiner.
package struct LocalDriver: Sendable {
    package let plan: LocalPlan
    package let combiner: Combiner
    package let logger: Logger

    package init(plan: LocalPlan, combiner: Combiner, logger: Logger) {
        self.plan = plan
        self.combiner = combiner
        self.logger = logger
    }

    /// The models the session committed, round by round.
    package struct Outcome: Sendable {
        package var models: [ModelID]
        package var results: [RoundResult]
    }

    /// Runs every round of the plan and returns the committed models.
    package func run() async throws -> Outcome {
        let config = try AggregatorConfig(name: self.plan.aggregator, parameters: self.plan.aggregatorParams)
        let store = self.combiner.runner.models
        var model = try store.importModel(at: self.plan.model)
        self.logger.notice(
            "Session loaded",
            metadata: [
                "fedge.session": "\(self.plan.session)", "fedge.model": "\(model.shortPrefix)",
                "fedge.rounds": "\(self.plan.rounds)",
                "fedge.aggregator": "\(config)",
            ]
        )
        try await self.waitForClients()
        var state: ServerOptimizerState? = nil
        var outcome = Outcome(models: [], results: [])
        for round in 1...self.plan.rounds {
            let plan = RoundPlan(
                session: SessionID(self.plan.session),
                round: round,
                model: model,
                modelSize: store.size(of: model),
                quota: self.plan.requestedClients,
                deadline: self.combiner.clock.date.addingTimeInterval(self.plan.roundTimeout),
                bufferSize: self.plan.bufferSize,
                minUpdates: self.plan.clientsRequired,
                clientSettingsJSON: self.plan.clientSettingsJSON,
                aggregator: config.name,
                aggregatorParameters: self.plan.aggregatorParams
            )
            var result = try await self.combiner.runner.execute(plan)
            // Moved out, not copied: the server step averages the partial in place.
            let partial = result.partial.take()
            outcome.results.append(result)
            guard result.succeeded, partial != nil else {
                self.logger.error(
                    "Round failed; the model stays as it was",
                    metadata: ["fedge.round": "\(round)", "fedge.reason": "\(result.reason)"]
                )
                continue
            }
            let base = try SafetensorsFile(path: store.path(for: model))
            let (next, newState) = try ServerUpdate.apply(
                config,
                base: base,
                partials: [(consume partial)!],
                state: state
            )
            state = newState
            model = try store.store(next)
            outcome.models.append(model)
            if let output = self.plan.output {
                try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
                let path = "\(output)/round-\(round).safetensors"
                try? FileManager.default.removeItem(atPath: path)
                try FileManager.default.copyItem(atPath: store.path(for: model), toPath: path)
            }
            self.logger.notice(
                "Round committed",
                metadata: [
                    "fedge.round": "\(round)", "fedge.model": "\(model.shortPrefix)",
                    "fedge.updates": "\(next.contributions.count)",
                    "fedge.total_weight": "\(next.totalWeight)",
                ]
            )
        }
        self.logger.notice(
            "Session finished",
            metadata: ["fedge.session": "\(self.plan.session)", "fedge.model": "\(model.hex)"]
        )
        return outcome
    }

    private func waitForClients() async throws {
        var last = -1
        while true {
            let online = await self.combiner.registry.eligible().count
            if online >= self.plan.waitForClients { return }
            if online != last {
                self.logger.notice(
                    "Waiting for clients",
                    metadata: ["fedge.online": "\(online)", "fedge.needed": "\(self.plan.waitForClients)"]
                )
                last = online
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}
