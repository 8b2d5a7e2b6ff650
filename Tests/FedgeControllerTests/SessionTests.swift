import FedgeAPIClient
import FedgeAPIModels
import FedgeController
import FedgeCore
import FedgeDemo
import FedgeEdge
import FedgeStore
import FedgeAggregation
import FedgeTensor
import FedgeTestSupport
import Foundation
import Synchronization
import Testing

@Suite("Sessions across combiners")
struct SessionTests {
    /// The main case: a controller, two combiners and ten clients over loopback run a 3-round session;
    /// every committed model equals the single-stage weighted mean of the same updates.
    @Test("controller, 2 combiners, 10 clients, 3 rounds: equal to one-stage aggregation")
    func threeRoundsAcrossTwoCombiners() async throws {
        try await withTemporaryDirectory { dir in
            let record = URL(fileURLWithPath: dir + "/recorded")
            let trainers: [any Trainer] = (1...10).map { i in
                RecordingTrainer(delta: Float(i) * 0.01, weight: Double(i * 10), record: record.appendingPathComponent("client-\(i)"))
            }
            let seedPath = dir + "/seed.safetensors"
            let seedID = try SafetensorsWriter.write(seedModel(), to: seedPath)
            try await LiveController.with(directory: dir, logger: testLogger) { live in
                try await LiveFederation.with(
                    directory: dir, controllerPort: live.grpcPort, combiners: ["alpha", "beta"], trainers: trainers, logger: testLogger,
                    combinersReady: { await live.controller.hub.attachments().count == 2 }
                ) {
                    try await APIClient.withClient(endpoint: .unixSocket(live.socket)) { api in
                        let seed = try await api.uploadModel(from: seedPath, activate: true)
                        #expect(seed.id == seedID.hex)
                        // Both combiners attached and every client online before the session starts.
                        #expect(try await eventually {
                            let combiners = try await api.listCombiners()
                            return combiners.items.count == 2 && combiners.items.allSatisfy { $0.clientsOnline > 0 }
                                && combiners.items.reduce(0) { $0 + $1.clientsOnline } == 10
                        })
                        let session = try await api.createSession(SessionConfigDTO(rounds: 3, roundTimeout: 60, clientsRequired: 10))
                        #expect(session.status == "queued")
                        #expect(try await eventually { try await api.session(session.id).status == "finished" })

                        let rounds = try await api.sessionRounds(session.id).items.sorted { $0.number < $1.number }
                        #expect(rounds.map(\.number) == [1, 2, 3])
                        #expect(rounds.allSatisfy { $0.status == "committed" && $0.received == 10 })
                        #expect(rounds.allSatisfy { Set($0.participation.map(\.combiner)) == ["alpha", "beta"] })
                        #expect(rounds.allSatisfy { $0.participation.reduce(0) { $0 + $1.received } == 10 })

                        // Each model: parent = previous model, and equal to the one-stage weighted mean of its updates.
                        let updates = try recordedUpdates(in: record)
                        var parent = seedID.hex
                        for round in rounds {
                            let model = try await api.model(round.model ?? "")
                            #expect(model.parent == parent)
                            #expect(model.aggregator == "fedavg")
                            let contributions = try #require(model.contributions)
                            #expect(contributions.count == 10)
                            #expect(Set(contributions.compactMap(\.combiner)) == ["alpha", "beta"])
                            let files = try contributions.map { try #require(updates[ModelID(hex: $0.update)!]) }
                            let reference = Reference.weightedMean(
                                try files.map { RandomModel.flatFloats(try SafetensorsFile(path: $0)) },
                                weights: contributions.map(\.weight)
                            )
                            let committed = RandomModel.flatFloats(try SafetensorsFile(path: live.controller.blobs.path(for: ModelID(hex: model.id)!)))
                            #expect(committed.count == reference.count)
                            let worst = zip(committed, reference).map { abs($0 - $1) }.max() ?? 0
                            #expect(worst < 1e-6, "round \(round.number) differs from one-stage aggregation by \(worst)")
                            // Validation ran on the new model: weighted mean of accuracy = Σ w·10δ / Σ w.
                            #expect(model.metrics["accuracy"] != nil)
                            parent = model.id
                        }
                        #expect(try await api.activeModel().id == parent)
                        // The list describes each model as its detail does: contributors and validation metrics.
                        let listed = try await api.listModels().items
                        #expect(listed.count == 4)
                        #expect(listed.filter { $0.round != nil }.allSatisfy { $0.contributors == 10 && $0.metrics["accuracy"] != nil })
                        #expect(listed.first { $0.round == nil }?.contributors == 0)
                        // Training metrics: each client's, and their weighted mean per round as train_loss.
                        let metrics = try await api.listMetrics(session: session.id, limit: 1000).items
                        let weights = (1...10).map { Double($0 * 10) }
                        for round in 1...3 {
                            let perClient = metrics.filter { $0.round == round && $0.name == "loss" && $0.client != nil }
                            #expect(perClient.count == 10)
                            let mean = zip(1...10, weights).reduce(0) { $0 + Double(Float($1.0) * 0.01) * 10 / Double(round) * $1.1 } / weights.reduce(0, +)
                            let stored = metrics.first { $0.round == round && $0.name == "train_loss" && $0.client == nil }?.value
                            #expect(stored.map { abs($0 - mean) < 1e-6 } == true, "round \(round): \(stored ?? .nan) vs \(mean)")
                        }
                        #expect(try await api.verifyTrail().problems.isEmpty)
                        let events = try await api.listEvents(limit: 200).items.map(\.kind)
                        #expect(events.filter { $0 == "round.committed" }.count == 3)
                        #expect(events.contains("session.finished"))
                    }
                }
            }
        }
    }

    @Test("requested_clients is split among combiners by their active clients")
    func requestedClientsSplit() {
        #expect(Orchestrator.split(4, by: [6, 2]) == [3, 1])
        #expect(Orchestrator.split(10, by: [3, 3]) == [3, 3])
        #expect(Orchestrator.split(5, by: [1, 1, 1, 1, 1, 1, 1]).reduce(0, +) == 5)
        #expect(Orchestrator.split(3, by: [0, 5]) == [0, 3])
        #expect(Orchestrator.split(7, by: [5, 5, 5]) == [3, 2, 2])
    }
}

@Suite("Stopping a session")
struct StopTests {
    /// `fedge session stop` while a round runs: the controller cancels it at every combiner, the combiners cancel
    /// their clients' tasks, the round is recorded as cancelled, and the next queued session trains.
    @Test func stopCancelsTheRoundOnEveryTier() async throws {
        try await withTemporaryDirectory { dir in
            let cancelled = CancelCounter()
            let trainers: [any Trainer] = (1...4).map { _ in WaitingTrainer(cancelled: cancelled) }
            let seedPath = dir + "/seed.safetensors"
            try SafetensorsWriter.write(seedModel(), to: seedPath)
            try await LiveController.with(directory: dir, logger: testLogger) { live in
                try await LiveFederation.with(
                    directory: dir, controllerPort: live.grpcPort, combiners: ["alpha", "beta"], trainers: trainers, logger: testLogger,
                    combinersReady: { await live.controller.hub.attachments().count == 2 }
                ) {
                    try await APIClient.withClient(endpoint: .unixSocket(live.socket)) { api in
                        _ = try await api.uploadModel(from: seedPath, activate: true)
                        #expect(try await eventually { try await api.listClients(status: "online").total == 4 })
                        let first = try await api.createSession(SessionConfigDTO(rounds: 3, roundTimeout: 600))
                        let second = try await api.createSession(SessionConfigDTO(rounds: 1, roundTimeout: 600))
                        #expect(try await api.session(second.id).status == "queued")
                        // Every client is inside its (endless) training task.
                        #expect(try await eventually { cancelled.started == 4 })
                        // The combiners' own view, on their control sockets.
                        try await APIClient.withClient(endpoint: .unixSocket(dir + "/run/combiner-alpha.sock", daemon: .combiner)) { alpha in
                            let status = try await alpha.combinerStatus()
                            #expect(status.name == "alpha" && status.attached)
                            #expect(status.round?.session == first.id && status.round?.round == 1 && status.round?.kind == "train")
                            #expect(status.round?.selected == status.clientsOnline)
                            let events = try await alpha.listEvents().items.map(\.kind)
                            #expect(events.contains("controller.attached") && events.contains("round.planned"))
                        }
                        let stopped = try await api.stopSession(first.id)
                        #expect(stopped.status == "stopped")
                        #expect(try await eventually { cancelled.cancelled == 4 }, "every client's task is cancelled")
                        let round = try await api.round(session: first.id, number: 1)
                        #expect(round.status == "cancelled")
                        #expect(try await api.listModels().total == 1, "nothing was committed")
                        // The queue moves on.
                        #expect(try await eventually { try await api.session(second.id).status == "running" })
                        _ = try await api.stopSession(second.id)
                        let kinds = try await api.listEvents(kind: "session.stopped").items.compactMap(\.subject)
                        #expect(Set(kinds) == [first.id, second.id])
                    }
                }
            }
        }
    }
}

/// Counts tasks started and cancelled across clients.
final class CancelCounter: Sendable {
    private let counts = Mutex((started: 0, cancelled: 0))
    var started: Int { self.counts.withLock { $0.started } }
    var cancelled: Int { self.counts.withLock { $0.cancelled } }
    func start() { self.counts.withLock { $0.started += 1 } }
    func cancel() { self.counts.withLock { $0.cancelled += 1 } }
}

/// Trains until cancelled.
struct WaitingTrainer: Trainer {
    let cancelled: CancelCounter
    var name: String { "waiting" }

    func train(_ input: TrainerInput) async throws -> TrainingResult {
        self.cancelled.start()
        do {
            try await Task.sleep(for: .seconds(3600))
        } catch {
            self.cancelled.cancel()
            throw error
        }
        return TrainingResult(numExamples: 1)
    }

    func validate(_ input: TrainerInput) async throws -> ValidationResult { ValidationResult(metrics: [:]) }
}

@Suite("Refused updates")
struct RefusalTests {
    /// A client whose update holds NaN is refused at its combiner; the round commits with the others, and the
    /// refusal shows in the round's participation and in `/metrics` by reason.
    @Test func nonFiniteUpdatesAreRefusedAndCounted() async throws {
        try await withTemporaryDirectory { dir in
            let trainers: [any Trainer] = [NoopTrainer(delta: 0.01, numExamples: 1), NoopTrainer(delta: 0.02, numExamples: 1), PoisonTrainer()]
            let seedPath = dir + "/seed.safetensors"
            try SafetensorsWriter.write(seedModel(), to: seedPath)
            try await LiveController.with(directory: dir, logger: testLogger) { live in
                try await LiveFederation.with(directory: dir, controllerPort: live.grpcPort, combiners: ["alpha"], trainers: trainers, logger: testLogger) {
                    try await APIClient.withClient(endpoint: .unixSocket(live.socket)) { api in
                        _ = try await api.uploadModel(from: seedPath, activate: true)
                        #expect(try await eventually { try await api.listClients(status: "online").total == 3 })
                        let session = try await api.createSession(SessionConfigDTO(rounds: 1, roundTimeout: 60, validate: false))
                        #expect(try await eventually { try await api.session(session.id).status == "finished" })
                        let round = try await api.round(session: session.id, number: 1)
                        #expect(round.status == "committed")
                        #expect(round.received == 2)
                        #expect(round.participation.first?.refused == 1)
                        let metrics = try await api.prometheusMetrics()
                        #expect(metrics.contains("fedge_updates_refused_total{reason=\"non_finite\"} 1"), "\(metrics)")
                        #expect(metrics.contains("fedge_updates_accepted_total 2"))
                    }
                }
            }
        }
    }
}

/// Sends an update full of NaN.
struct PoisonTrainer: Trainer {
    var name: String { "poison" }

    func train(_ input: TrainerInput) async throws -> TrainingResult {
        let model = InMemoryModel(try SafetensorsFile(path: input.model.path))
        let count = model.tensors.first { $0.name == "w" }?.elementCount ?? 0
        _ = try SafetensorsWriter.write(RandomModel.replacing(model, with: ["w": Array(repeating: .nan, count: count)]), to: input.output.path)
        return TrainingResult(numExamples: 1)
    }

    func validate(_ input: TrainerInput) async throws -> ValidationResult { ValidationResult(metrics: [:]) }
}

@Suite("Server optimizer across rounds")
struct ServerOptimizerTests {
    /// FedAdam keeps its moments between rounds at the controller (saved with each round): three rounds across
    /// two combiners equal three single-stage FedAdam steps over the same updates with the state carried along.
    @Test func fedAdamStateCarriesAcrossRounds() async throws {
        try await withTemporaryDirectory { dir in
            let record = URL(fileURLWithPath: dir + "/recorded")
            let trainers: [any Trainer] = (1...4).map { i in
                RecordingTrainer(delta: Float(i) * 0.01, weight: Double(i), record: record.appendingPathComponent("client-\(i)"))
            }
            let seedPath = dir + "/seed.safetensors"
            let seed = try SafetensorsWriter.write(seedModel(), to: seedPath)
            try await LiveController.with(directory: dir, logger: testLogger) { live in
                try await LiveFederation.with(
                    directory: dir, controllerPort: live.grpcPort, combiners: ["alpha", "beta"], trainers: trainers, logger: testLogger,
                    combinersReady: { await live.controller.hub.attachments().count == 2 }
                ) {
                    try await APIClient.withClient(endpoint: .unixSocket(live.socket)) { api in
                        _ = try await api.uploadModel(from: seedPath, activate: true)
                        #expect(try await eventually { try await api.listClients(status: "online").total == 4 })
                        let session = try await api.createSession(SessionConfigDTO(
                            aggregator: "fedadam", aggregatorParams: ["eta": 0.01], rounds: 3, roundTimeout: 60, clientsRequired: 4, validate: false
                        ))
                        #expect(try await eventually { try await api.session(session.id).status == "finished" })
                        let rounds = try await api.sessionRounds(session.id).items.sorted { $0.number < $1.number }
                        #expect(rounds.count == 3 && rounds.allSatisfy { $0.status == "committed" })

                        let updates = try recordedUpdates(in: record)
                        let config = AggregatorConfig.fedopt(.fedadam, .init(eta: 0.01))
                        var state: ServerOptimizerState? = nil
                        var parent = seed
                        for round in rounds {
                            let model = try await api.model(round.model ?? "")
                            let base = try SafetensorsFile(path: live.controller.blobs.path(for: parent))
                            var partial = PartialAggregate(layout: ModelLayout(base))
                            for contribution in try #require(model.contributions) {
                                let file = try SafetensorsFile(path: try #require(updates[ModelID(hex: contribution.update)!]))
                                try partial.fold(file, weight: contribution.weight, contribution: Contribution(
                                    client: contribution.client, combiner: contribution.combiner, weight: contribution.weight, update: ModelID(hex: contribution.update)!
                                ))
                            }
                            let (reference, next) = try ServerUpdate.apply(config, base: base, partials: [partial], state: state)
                            state = next
                            let committed = RandomModel.flatFloats(try SafetensorsFile(path: live.controller.blobs.path(for: ModelID(hex: model.id)!)))
                            let referencePath = dir + "/reference-\(round.number).safetensors"
                            _ = try SafetensorsWriter.write(reference, to: referencePath)
                            let expected = RandomModel.flatFloats(try SafetensorsFile(path: referencePath))
                            #expect(committed.count == expected.count && !committed.isEmpty)
                            let worst = zip(committed, expected).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
                            #expect(worst < 1e-5, "round \(round.number): off by \(worst)")
                            parent = ModelID(hex: model.id)!
                        }
                    }
                }
            }
        }
    }
}

