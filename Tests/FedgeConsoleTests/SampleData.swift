import FedgeAPIModels
import FedgeConsole
import Foundation

/// A federation in the middle of a session, as the API would describe it.
enum Sample {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func hex(_ n: Int) -> String { String(repeating: String(format: "%02x", n), count: 32) }

    static func data() -> ConsoleData {
        var data = ConsoleData()
        data.connected = true
        data.updatedAt = now
        data.health = HealthDTO(
            status: "ok",
            role: "controller",
            name: "controller",
            version: "0.1.0",
            uptimeSeconds: 3600
        )
        data.combiners = [
            CombinerDTO(
                name: "alpha",
                address: "10.0.0.1:7710",
                status: "online",
                firstSeen: now,
                lastSeen: now,
                clientsOnline: 3,
                clientsStale: 1,
                clientsOffline: 0
            ),
            CombinerDTO(
                name: "beta",
                address: "10.0.0.2:7710",
                status: "offline",
                firstSeen: now,
                lastSeen: now.addingTimeInterval(-600),
                clientsOnline: 0,
                clientsStale: 0,
                clientsOffline: 2
            ),
        ]
        let telemetry = TelemetryDTO(
            cpuPercent: 42,
            memoryUsedBytes: 1 << 30,
            memoryTotalBytes: 8 << 30,
            diskFreeBytes: 1 << 40,
            processRssBytes: 64 << 20,
            cores: 4
        )
        data.clients = [
            ClientDTO(
                name: "hospital-a",
                combiner: "alpha",
                status: "online",
                firstSeen: now,
                lastSeen: now,
                tasksDone: 12,
                tasksFailed: 1,
                telemetry: telemetry
            ),
            ClientDTO(
                name: "hospital-b",
                combiner: "alpha",
                status: "online",
                firstSeen: now,
                lastSeen: now,
                tasksDone: 30,
                tasksFailed: 0,
                telemetry: telemetry
            ),
            ClientDTO(
                name: "factory-c",
                combiner: "alpha",
                status: "online",
                firstSeen: now,
                lastSeen: now,
                tasksDone: 5,
                tasksFailed: 0,
                telemetry: nil
            ),
            ClientDTO(
                name: "phone-d",
                combiner: "alpha",
                status: "stale",
                firstSeen: now,
                lastSeen: now.addingTimeInterval(-40),
                tasksDone: 2,
                tasksFailed: 2,
                telemetry: nil
            ),
            ClientDTO(
                name: "sensor-e",
                combiner: "beta",
                status: "offline",
                firstSeen: now,
                lastSeen: now.addingTimeInterval(-900),
                tasksDone: 7,
                tasksFailed: 0,
                telemetry: nil
            ),
        ]
        let config = SessionConfigDTO(
            aggregator: "fedadam",
            aggregatorParams: ["eta": 0.05],
            rounds: 10,
            roundTimeout: 180,
            bufferSize: 0,
            clientsRequired: 2,
            requestedClients: 0,
            validate: true,
            modelId: hex(1),
            clientSettings: ["epochs": .number(2)]
        )
        data.sessions = [
            SessionDTO(
                id: "s-running1",
                status: "running",
                config: config,
                createdAt: now.addingTimeInterval(-300),
                seedModel: hex(1),
                roundsDone: 3,
                latestModel: hex(4),
                reason: nil
            ),
            SessionDTO(
                id: "s-finished",
                status: "finished",
                config: config,
                createdAt: now.addingTimeInterval(-9000),
                seedModel: hex(1),
                roundsDone: 10,
                latestModel: hex(9),
                reason: nil
            ),
        ]
        data.rounds =
            [
                RoundDTO(
                    session: "s-running1",
                    number: 4,
                    status: "running",
                    startedAt: now.addingTimeInterval(-20),
                    endedAt: nil,
                    deadline: now.addingTimeInterval(160),
                    minimum: 2,
                    expected: 4,
                    received: 1,
                    model: nil,
                    reason: nil,
                    participation: [
                        ParticipationDTO(
                            combiner: "alpha",
                            selected: 4,
                            received: 1,
                            failed: 0,
                            refused: 1,
                            partial: nil
                        )
                    ]
                )
            ]
            + (1...3).reversed().map { n in
                RoundDTO(
                    session: "s-running1",
                    number: n,
                    status: "committed",
                    startedAt: now.addingTimeInterval(Double(-300 + n * 60)),
                    endedAt: now.addingTimeInterval(Double(-300 + n * 60 + 42)),
                    deadline: nil,
                    minimum: 2,
                    expected: 4,
                    received: 4,
                    model: hex(n + 1),
                    reason: "4 update(s) from 1 combiner(s)",
                    participation: []
                )
            }
        // A line of descent 1 → 2 → 3 → 4, and a fork 2 → 9 (an older model made active and trained again).
        func model(_ n: Int, parent: Int?, round: Int?, active: Bool = false, accuracy: Double? = nil) -> ModelDTO {
            ModelDTO(
                id: hex(n),
                parent: parent.map(hex),
                session: round == nil ? nil : "s-running1",
                round: round,
                aggregator: round == nil ? nil : "fedadam",
                size: 4096,
                totalWeight: round == nil ? nil : 400,
                createdAt: now.addingTimeInterval(Double(n * 10)),
                active: active,
                metrics: accuracy.map { ["accuracy": $0] } ?? [:],
                contributors: round == nil ? 0 : 4,
                contributions: nil
            )
        }
        data.models = [
            model(9, parent: 2, round: 2), model(4, parent: 3, round: 3, active: true, accuracy: 0.91),
            model(3, parent: 2, round: 2, accuracy: 0.88),
            model(2, parent: 1, round: 1, accuracy: 0.80), model(1, parent: nil, round: nil),
        ].sorted { $0.createdAt > $1.createdAt }
        data.metrics = (1...3).flatMap { n in
            [
                MetricDTO(
                    session: "s-running1",
                    round: n,
                    client: nil,
                    name: "accuracy",
                    value: [0.80, 0.88, 0.91][n - 1],
                    createdAt: now
                ),
                MetricDTO(
                    session: "s-running1",
                    round: n,
                    client: nil,
                    name: "round_duration_seconds",
                    value: 42,
                    createdAt: now
                ),
            ]
        }
        data.append(events: [
            EventDTO(
                id: 1,
                kind: "session.created",
                actor: "operator",
                subject: "s-running1",
                message: "Session s-running1 queued",
                createdAt: now.addingTimeInterval(-300),
                hash: hex(20)
            ),
            EventDTO(
                id: 2,
                kind: "round.committed",
                actor: "controller",
                subject: "s-running1/3",
                message: "Round 3 committed",
                createdAt: now.addingTimeInterval(-60),
                hash: hex(21)
            ),
            EventDTO(
                id: 0,
                kind: "round.progress",
                actor: "controller",
                subject: "s-running1/4",
                message: "alpha: 1/4 updates",
                createdAt: now.addingTimeInterval(-5),
                hash: ""
            ),
            EventDTO(
                id: 3,
                kind: "round.failed",
                actor: "controller",
                subject: "s-other/1",
                message: "Round 1 of s-other failed",
                createdAt: now.addingTimeInterval(-2),
                hash: hex(22)
            ),
        ])
        return data
    }
}
