import FedgeAPIModels
import FedgeController
import FedgeRPC
import FedgeServerKit
import FedgeStore
import FedgeTestSupport
import Foundation
import Hummingbird
import Logging
import Testing
import Yams

/// A DTO as its schema in `openapi.yaml` names it: once with every optional set, once with every optional `nil`.
struct DTOSample: Sendable, CustomTestStringConvertible {
    var schema: String
    var full: any Encodable & Sendable
    var minimal: any Encodable & Sendable

    init(_ schema: String, full: any Encodable & Sendable, minimal: (any Encodable & Sendable)? = nil) {
        self.schema = schema
        self.full = full
        self.minimal = minimal ?? full
    }

    var testDescription: String { self.schema }

    static let all: [DTOSample] = {
        let date = Date(timeIntervalSince1970: 1_750_000_000.125)
        let hash = String(repeating: "ab", count: 32)

        let combiner = CombinerDTO(
            name: "c1",
            address: "10.0.0.2:7702",
            status: "online",
            firstSeen: date,
            lastSeen: date,
            clientsOnline: 3,
            clientsStale: 1,
            clientsOffline: 0
        )
        let telemetry = TelemetryDTO(
            cpuPercent: 12.5,
            memoryUsedBytes: 1 << 30,
            memoryTotalBytes: 1 << 34,
            diskFreeBytes: 1 << 36,
            processRssBytes: 1 << 27,
            cores: 8
        )
        let client = ClientDTO(
            name: "edge-1",
            combiner: "c1",
            status: "online",
            firstSeen: date,
            lastSeen: date,
            tasksDone: 4,
            tasksFailed: 1,
            telemetry: telemetry,
            connectedSince: date
        )
        let bareClient = ClientDTO(
            name: "edge-1",
            combiner: nil,
            status: "offline",
            firstSeen: date,
            lastSeen: date,
            tasksDone: 0,
            tasksFailed: 0,
            telemetry: nil
        )
        let config = SessionConfigDTO(
            aggregator: "fedadam",
            aggregatorParams: ["server_lr": 0.1],
            rounds: 10,
            roundTimeout: 60,
            bufferSize: 0,
            clientsRequired: 2,
            requestedClients: 4,
            validate: true,
            modelId: hash,
            clientSettings: ["epochs": .number(2)],
            maxNumExamples: 1e6,
            packageId: hash
        )
        let bareConfig = SessionConfigDTO()
        let session = SessionDTO(
            id: "s-1a2b3c4d",
            status: "stopped",
            config: config,
            createdAt: date,
            seedModel: hash,
            roundsDone: 3,
            latestModel: hash,
            reason: "stopped by operator"
        )
        let bareSession = SessionDTO(
            id: "s-1a2b3c4d",
            status: "queued",
            config: bareConfig,
            createdAt: date,
            seedModel: hash,
            roundsDone: 0,
            latestModel: nil,
            reason: nil
        )
        let participation = ParticipationDTO(
            combiner: "c1",
            selected: 3,
            received: 3,
            failed: 0,
            refused: 0,
            partial: hash
        )
        let bareParticipation = ParticipationDTO(
            combiner: "c1",
            selected: 3,
            received: 1,
            failed: 0,
            refused: 0,
            partial: nil
        )
        let round = RoundDTO(
            session: "s-1a2b3c4d",
            number: 1,
            status: "failed",
            startedAt: date,
            endedAt: date,
            deadline: date,
            minimum: 1,
            expected: 3,
            received: 3,
            model: hash,
            reason: "too few updates",
            participation: [participation],
            phases: ["plan": 0.002, "download": 0.1, "partial_upload": 0.03, "collect": 0.4, "commit": 0.01]
        )
        let bareRound = RoundDTO(
            session: "s-1a2b3c4d",
            number: 1,
            status: "running",
            startedAt: date,
            endedAt: nil,
            deadline: nil,
            minimum: 1,
            expected: 3,
            received: 1,
            model: nil,
            reason: nil,
            participation: [bareParticipation]
        )
        let contribution = ContributionDTO(client: "edge-1", combiner: "c1", weight: 120, update: hash)
        let bareContribution = ContributionDTO(client: "edge-1", combiner: nil, weight: 120, update: hash)
        let model = ModelDTO(
            id: hash,
            parent: hash,
            session: "s-1a2b3c4d",
            round: 1,
            aggregator: "fedavg",
            size: 4096,
            totalWeight: 360,
            createdAt: date,
            active: true,
            metrics: ["accuracy": 0.9],
            contributions: [contribution]
        )
        let bareModel = ModelDTO(
            id: hash,
            parent: nil,
            session: nil,
            round: nil,
            aggregator: nil,
            size: 4096,
            totalWeight: nil,
            createdAt: date,
            active: false,
            metrics: [:],
            contributions: nil
        )
        let validation = ValidationDTO(
            id: 7,
            model: hash,
            client: "edge-1",
            metrics: ["accuracy": 0.91],
            numExamples: 120,
            createdAt: date
        )
        let metric = MetricDTO(
            session: "s-1a2b3c4d",
            round: 1,
            client: "edge-1",
            name: "loss",
            value: 0.3,
            createdAt: date
        )
        let bareMetric = MetricDTO(session: nil, round: nil, client: nil, name: "loss", value: 0.3, createdAt: date)
        let event = EventDTO(
            id: 42,
            kind: "round.committed",
            actor: "controller",
            subject: "s-1a2b3c4d",
            message: "Round 1 committed",
            createdAt: date,
            hash: hash,
            outcome: "ok",
            address: "127.0.0.1:50123"
        )
        let bareEvent = EventDTO(
            id: 0,
            kind: "round.progress",
            actor: "controller",
            subject: nil,
            message: "1 of 3 updates",
            createdAt: date,
            hash: ""
        )
        let package = PackageDTO(id: hash, name: "mnist", size: 1024, createdAt: date, active: true)

        return [
            DTOSample(
                "HealthDTO",
                full: HealthDTO(
                    status: "ok",
                    role: "controller",
                    name: "controller",
                    version: "0.1.0",
                    uptimeSeconds: 12.5
                )
            ),
            DTOSample("ErrorBody", full: APIErrorBody(code: "not_found", message: "No session has id 's-42'.")),
            DTOSample("CombinerDTO", full: combiner),
            DTOSample("TelemetryDTO", full: telemetry),
            DTOSample("ClientDTO", full: client, minimal: bareClient),
            DTOSample("SessionConfigDTO", full: config, minimal: bareConfig),
            DTOSample("SessionDTO", full: session, minimal: bareSession),
            DTOSample("ParticipationDTO", full: participation, minimal: bareParticipation),
            DTOSample("RoundDTO", full: round, minimal: bareRound),
            DTOSample("ContributionDTO", full: contribution, minimal: bareContribution),
            DTOSample("ModelDTO", full: model, minimal: bareModel),
            DTOSample(
                "LineageDTO",
                full: LineageDTO(model: hash, ancestors: [model], children: [model]),
                minimal: LineageDTO(model: hash, ancestors: [bareModel], children: [bareModel])
            ),
            DTOSample("TrailCheckDTO", full: TrailCheckDTO(models: 3, problems: ["model abababab: file missing"])),
            DTOSample(
                "AuditCheckDTO",
                full: AuditCheckDTO(events: 12, brokenAt: 7, head: String(repeating: "a", count: 64)),
                minimal: AuditCheckDTO(events: 12, brokenAt: nil, head: String(repeating: "0", count: 64))
            ),
            DTOSample("ActivateModelRequest", full: ActivateModelRequest(model: "abcdef")),
            DTOSample("ValidationDTO", full: validation),
            DTOSample("MetricDTO", full: metric, minimal: bareMetric),
            DTOSample("EventDTO", full: event, minimal: bareEvent),
            DTOSample("PackageDTO", full: package),
            DTOSample("CombinerPage", full: page(combiner)),
            DTOSample("ClientPage", full: page(client), minimal: page(bareClient)),
            DTOSample("SessionPage", full: page(session), minimal: page(bareSession)),
            DTOSample("RoundPage", full: page(round), minimal: page(bareRound)),
            DTOSample("ModelPage", full: page(model), minimal: page(bareModel)),
            DTOSample("ValidationPage", full: page(validation)),
            DTOSample("MetricPage", full: page(metric), minimal: page(bareMetric)),
            DTOSample("EventPage", full: page(event), minimal: page(bareEvent)),
            DTOSample("PackagePage", full: page(package)),
        ]
    }()

}

/// A page of one item.
func page<Item: Sendable & Codable & Hashable>(_ item: Item) -> Page<Item> {
    Page(items: [item], total: 1, offset: 0, limit: 50)
}

/// A DTO property whose value is another DTO (or an array of them).
struct Nesting: Sendable, CustomTestStringConvertible {
    var parent: String
    var property: String
    var child: String

    var testDescription: String { "\(self.parent).\(self.property) → \(self.child)" }

    static let all = [
        Nesting(parent: "ClientDTO", property: "telemetry", child: "TelemetryDTO"),
        Nesting(parent: "RoundDTO", property: "participation", child: "ParticipationDTO"),
        Nesting(parent: "ModelDTO", property: "contributions", child: "ContributionDTO"),
        Nesting(parent: "SessionDTO", property: "config", child: "SessionConfigDTO"),
        Nesting(parent: "LineageDTO", property: "ancestors", child: "ModelDTO"),
        Nesting(parent: "LineageDTO", property: "children", child: "ModelDTO"),
    ]
}

// MARK: - Helpers
