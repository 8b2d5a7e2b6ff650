import FedgeCore
import FedgeProto
import FedgeRPC
import Foundation
import SwiftProtobuf

/// The reports a combiner sends its controller, built from the combiner's own values.
extension Fedge_V1_CombinerReport {
    static func hello(name: String, address: String) -> Self {
        .with {
            $0.hello = .with {
                $0.name = name
                $0.address = address
                $0.version = "fedge/0.1"
            }
        }
    }

    static func heartbeat(_ clients: [ClientRegistry.Snapshot]) -> Self {
        .with {
            $0.heartbeat = .with {
                $0.clients = clients.map { client in
                    .with {
                        $0.clientID = client.id.rawValue
                        $0.name = client.name
                        $0.liveness = client.liveness.proto
                        $0.lastSeenUnixMillis = client.lastSeen.unixMillis
                        $0.tasksDone = UInt32(clamping: client.tasksDone)
                        $0.tasksFailed = UInt32(clamping: client.tasksFailed)
                        $0.telemetry = client.telemetry.proto
                    }
                }
            }
        }
    }

    static func progress(_ progress: RoundRunner.Progress) -> Self {
        .counts(
            session: progress.plan.session.rawValue,
            round: progress.plan.round,
            selected: progress.selected,
            received: progress.received,
            failed: progress.failed,
            refused: progress.refusedByReason
        )
    }

    /// The counts of a round that ended: the controller records them with the outcome that follows.
    static func finalCounts(_ result: RoundResult) -> Self {
        .counts(
            session: result.plan.session.rawValue,
            round: result.plan.round,
            selected: result.selected,
            received: result.received,
            failed: result.failed,
            refused: result.refused
        )
    }

    private static func counts(
        session: String,
        round: Int,
        selected: Int,
        received: Int,
        failed: Int,
        refused: [Refusal: Int]
    ) -> Self {
        .with {
            $0.progress = .with {
                $0.sessionID = session
                $0.round = UInt32(clamping: round)
                $0.selected = UInt32(clamping: selected)
                $0.received = UInt32(clamping: received)
                $0.failed = UInt32(clamping: failed)
                $0.refused = UInt32(clamping: refused.values.reduce(0, +))
                $0.refusedByReason = Dictionary(
                    uniqueKeysWithValues: refused.map { ($0.key.rawValue, UInt32(clamping: $0.value)) }
                )
            }
        }
    }

    static func validation(plan: RoundPlan, client: String, metrics: [String: Double]) -> Self {
        .with {
            $0.validation = .with {
                $0.sessionID = plan.session.rawValue
                $0.round = UInt32(clamping: plan.round)
                $0.client = client
                $0.modelID = plan.model.hex
                $0.report = .with {
                    $0.metrics = metrics.filter { $0.key != "num_examples" }
                    $0.numExamples = metrics["num_examples"] ?? 1
                }
            }
        }
    }

    static func trainingMetrics(plan: RoundPlan, client: String, report: RoundResult.TrainingMetrics) -> Self {
        .with {
            $0.trainingMetrics = .with {
                $0.sessionID = plan.session.rawValue
                $0.round = UInt32(clamping: plan.round)
                $0.client = client
                $0.metrics = report.metrics
                $0.numExamples = report.numExamples
            }
        }
    }

    static func outcome(
        session: String,
        round: Int,
        succeeded: Bool,
        reason: String,
        partial: ModelID? = nil,
        updates: Int = 0,
        phases: [RoundPhase: Double] = [:]
    ) -> Self {
        .with {
            $0.outcome = .with {
                $0.sessionID = session
                $0.round = UInt32(clamping: round)
                $0.succeeded = succeeded
                $0.reason = reason
                $0.partialID = partial?.hex ?? ""
                $0.updates = UInt32(clamping: updates)
                $0.phases = phases.named
            }
        }
    }

    /// What the report is, in a few words, for logs.
    var summary: String {
        switch self.event {
        case .hello: "hello"
        case .heartbeat: "heartbeat"
        case .progress(let p): "counts of \(p.sessionID)/\(p.round)"
        case .outcome(let o): "outcome of \(o.sessionID)/\(o.round) (\(o.succeeded ? "succeeded" : "failed"))"
        case .validation(let v): "validation of \(v.sessionID)/\(v.round) by \(v.client)"
        case .trainingMetrics(let t): "training metrics of \(t.sessionID)/\(t.round) from \(t.client)"
        case .refusal(let r): "refusal of \(r.action) by \(r.actor)"
        case nil: "empty"
        }
    }
}
