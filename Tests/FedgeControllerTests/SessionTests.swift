import FedgeAPIClient
import FedgeAPIModels
import FedgeAggregation
import FedgeController
import FedgeCore
import FedgeDemo
import FedgeEdge
import FedgeStore
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
                RecordingTrainer(
                    delta: Float(i) * 0.01,
                    weight: Double(i * 10),
                    record: record.appendingPathComponent("client-\(i)")
                )
            }
            let seedPath = dir + "/seed.safetensors"
            let seedID = try SafetensorsWriter.write(seedModel(), to: seedPath)
            try await LiveController.with(directory: dir, logger: testLogger) { live in
                try await LiveFederation.with(
                    directory: dir,
                    controllerPort: live.grpcPort,
                    combiners: ["alpha", "beta"],
                    trainers: trainers,
                    enroll: live.enroll,
                    logger: testLogger,
                    combinersReady: { await live.controller.hub.attachments().count == 2 }
                ) {
                    try await APIClient.withClient(endpoint: .unixSocket(live.socket)) { api in
                        let seed = try await api.uploadModel(from: seedPath, activate: true)
                        #expect(seed.id == seedID.hex)
                        // Both combiners attached and every client online before the session starts.
                        #expect(
                            try await eventually {
                                let combiners = try await api.listCombiners()
                                return combiners.items.count == 2 && combiners.items.allSatisfy { $0.clientsOnline > 0 }
                                    && combiners.items.reduce(0) { $0 + $1.clientsOnline } == 10
                            }
                        )
                        let session = try await api.createSession(
                            SessionConfigDTO(rounds: 3, roundTimeout: 60, clientsRequired: 10)
                        )
                        #expect(session.status == "queued")
                        #expect(try await eventually { try await api.session(session.id).status == "finished" })

                        let rounds = try await api.sessionRounds(session.id).items.sorted { $0.number < $1.number }
                        #expect(rounds.map(\.number) == [1, 2, 3])
                        #expect(rounds.allSatisfy { $0.status == "committed" && $0.received == 10 })
                        #expect(rounds.allSatisfy { Set($0.participation.map(\.combiner)) == ["alpha", "beta"] })
                        #expect(rounds.allSatisfy { $0.participation.reduce(0) { $0 + $1.received } == 10 })
                        // Each round says where its time went: every phase of a validated round, as the tiers timed
                        // them; the collect phase holds the combiners' work (the clients' phases and the folds).
                        for round in rounds {
                            let phases = try #require(round.phases, "round \(round.number) has no phases")
                            #expect(Set(phases.keys) == Set(RoundPhase.allCases.map(\.rawValue)), "\(phases)")
                            #expect(phases.values.allSatisfy { $0 >= 0 && $0.isFinite })
                            let collect = phases["collect"] ?? 0
                            #expect(
                                (phases["fold"] ?? .infinity) <= collect && (phases["upload"] ?? .infinity) <= collect
                            )
                        }

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
                            let committed = RandomModel.flatFloats(
                                try SafetensorsFile(path: live.controller.blobs.path(for: ModelID(hex: model.id)!))
                            )
                            #expect(committed.count == reference.count)
                            let worst = zip(committed, reference).map { abs($0 - $1) }.max() ?? 0
                            #expect(
                                worst < 1e-6,
                                "round \(round.number) differs from one-stage aggregation by \(worst)"
                            )
                            // Validation ran on the new model: weighted mean of accuracy = Σ w·10δ / Σ w.
                            #expect(model.metrics["accuracy"] != nil)
                            parent = model.id
                        }
                        #expect(try await api.activeModel().id == parent)
                        // The list describes each model as its detail does: contributors and validation metrics.
                        let listed = try await api.listModels().items
                        #expect(listed.count == 4)
                        #expect(
                            listed.filter { $0.round != nil }.allSatisfy {
                                $0.contributors == 10 && $0.metrics["accuracy"] != nil
                            }
                        )
                        #expect(listed.first { $0.round == nil }?.contributors == 0)
                        // Training metrics: each client's, and their weighted mean per round as train_loss.
                        let metrics = try await api.listMetrics(session: session.id, limit: 1000).items
                        let weights = (1...10).map { Double($0 * 10) }
                        for round in 1...3 {
                            let perClient = metrics.filter {
                                $0.round == round && $0.name == "loss" && $0.client != nil
                            }
                            #expect(perClient.count == 10)
                            let mean =
                                zip(1...10, weights).reduce(0) {
                                    $0 + Double(Float($1.0) * 0.01) * 10 / Double(round) * $1.1
                                } / weights.reduce(0, +)
                            let stored = metrics.first {
                                $0.round == round && $0.name == "train_loss" && $0.client == nil
                            }?.value
                            #expect(
                                stored.map { abs($0 - mean) < 1e-6 } == true,
                                "round \(round): \(stored ?? .nan) vs \(mean)"
                            )
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
}
