import FedgeAPIClient
import FedgeAPIModels
import FedgeController
import FedgeCore
import FedgeDemo
import FedgeEdge
import FedgeTensor
import FedgeTestSupport
import Foundation
import Testing

@Suite("Self-reported weights are not trusted blindly")
struct SelfReportedWeightTests {
    @Test(
        "A client reporting num_examples 1e39 is refused at the door (above the session's max_num_examples) and recorded in the audit trail: the round fails with a reason and the seed stays active"
    )
    func absurdWeightFailsTheRound() async throws {
        try await withTemporaryDirectory { dir in
            let record = URL(fileURLWithPath: dir + "/recorded")
            let trainers: [any Trainer] = [
                RecordingTrainer(delta: 0.01, weight: 10, record: record.appendingPathComponent("honest")),
                RecordingTrainer(delta: 0.02, weight: 1e39, record: record.appendingPathComponent("liar")),
            ]
            let seedPath = dir + "/seed.safetensors"
            let seedID = try SafetensorsWriter.write(seedModel(), to: seedPath)
            try await LiveController.with(directory: dir, logger: testLogger) { live in
                try await LiveFederation.with(
                    directory: dir,
                    controllerPort: live.grpcPort,
                    combiners: ["alpha"],
                    trainers: trainers,
                    enroll: live.enroll,
                    logger: testLogger,
                    combinersReady: { await live.controller.hub.attachments().count == 1 }
                ) {
                    try await APIClient.withClient(endpoint: .unixSocket(live.socket)) { api in
                        _ = try await api.uploadModel(from: seedPath, activate: true)
                        #expect(try await eventually { try await api.listClients(status: "online").total == 2 })
                        let session = try await api.createSession(
                            SessionConfigDTO(rounds: 1, roundTimeout: 30, clientsRequired: 2, validate: false)
                        )
                        #expect(try await eventually { try await api.session(session.id).status == "finished" })
                        let rounds = try await api.sessionRounds(session.id).items
                        #expect(rounds.count == 1)
                        #expect(rounds.first?.status == "failed")
                        #expect(
                            rounds.first?.reason?.contains("1 update(s) arrived; the round needs 2") == true,
                            "\(String(describing: rounds.first?.reason))"
                        )
                        #expect(try await api.activeModel().id == seedID.hex)
                        #expect(try await api.listModels().total == 1)
                        let check = try await api.verifyTrail()
                        #expect(check.problems.isEmpty)
                        // The combiner's refusal reached the controller's audit trail, under the liar's name.
                        #expect(
                            try await eventually {
                                try await api.listEvents(kind: "update.refused", outcome: "refused").items.contains {
                                    $0.actor == "client-2" && $0.message.contains("max_num_examples")
                                }
                            }
                        )
                        #expect(try await api.verifyAuditTrail().brokenAt == nil)
                    }
                }
            }
        }
    }
}
