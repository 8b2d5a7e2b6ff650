import FedgeAPIModels
import FedgeCore
import FedgeServerKit
import FedgeStore
import Foundation

extension CombinerDTO {
    init(_ record: CombinerRecord, counts: [String: Int]) {
        self.init(
            name: record.name.rawValue,
            address: record.address,
            status: record.status.rawValue,
            firstSeen: record.firstSeen,
            lastSeen: record.lastSeen,
            clientsOnline: counts["online"] ?? 0,
            clientsStale: counts["stale"] ?? 0,
            clientsOffline: counts["offline"] ?? 0
        )
    }
}

extension ClientDTO {
    init(_ record: ClientRecord) {
        let telemetry = record.telemetry.flatMap { try? JSONDecoder().decode(Telemetry.self, from: Data($0.utf8)) }
        self.init(
            name: record.name,
            combiner: record.combiner?.rawValue,
            status: record.status.rawValue,
            firstSeen: record.firstSeen,
            lastSeen: record.lastSeen,
            tasksDone: record.tasksDone,
            tasksFailed: record.tasksFailed,
            telemetry: telemetry.map(TelemetryDTO.init)
        )
    }
}

extension SessionConfig {
    /// Reads an operator's request, filling in defaults; bad values are refused with the field's name.
    init(_ dto: SessionConfigDTO) throws(SessionConfigError) {
        self.init()
        if let name = dto.aggregator {
            guard let aggregator = AggregatorName(rawValue: name.lowercased()) else {
                let known = AggregatorName.allCases.map(\.rawValue).joined(separator: ", ")
                throw SessionConfigError(
                    field: "aggregator",
                    message: "aggregator '\(name)' is not known; use one of \(known)"
                )
            }
            self.aggregator = aggregator
        }
        if let params = dto.aggregatorParams { self.aggregatorParams = params }
        if let rounds = dto.rounds { self.rounds = rounds }
        if let timeout = dto.roundTimeout { self.roundTimeout = timeout }
        if let buffer = dto.bufferSize { self.bufferSize = buffer }
        if let required = dto.clientsRequired { self.clientsRequired = required }
        if let requested = dto.requestedClients { self.requestedClients = requested }
        if let validate = dto.validate { self.validate = validate }
        if let ceiling = dto.maxNumExamples { self.maxNumExamples = ceiling }
        if let settings = dto.clientSettings {
            let data = (try? JSONEncoder().encode(settings)) ?? Data("{}".utf8)
            self.clientSettingsJSON = String(decoding: data, as: UTF8.self)
        }
        try self.check()
    }

    var dto: SessionConfigDTO {
        SessionConfigDTO(
            aggregator: self.aggregator.rawValue,
            aggregatorParams: self.aggregatorParams,
            rounds: self.rounds,
            roundTimeout: self.roundTimeout,
            bufferSize: self.bufferSize,
            clientsRequired: self.clientsRequired,
            requestedClients: self.requestedClients,
            validate: self.validate,
            modelId: self.model?.hex,
            clientSettings: (try? JSONDecoder().decode(
                [String: JSONValue].self,
                from: Data(self.clientSettingsJSON.utf8)
            )) ?? [:],
            maxNumExamples: self.numExamplesCeiling,
            packageId: self.package?.hex
        )
    }
}

extension ParticipationDTO {
    init(_ record: ParticipationRecord) {
        self.init(
            combiner: record.combiner.rawValue,
            selected: record.selected,
            received: record.received,
            failed: record.failed,
            refused: record.refused,
            partial: record.partial
        )
    }
}

extension ContributionDTO {
    init(_ record: ContributionRecord) {
        self.init(
            client: record.client,
            combiner: record.combiner?.rawValue,
            weight: record.weight,
            update: record.update
        )
    }
}

extension ValidationDTO {
    init(_ record: ValidationRecord) {
        let metrics = (try? JSONDecoder().decode([String: Double].self, from: Data(record.metrics.utf8))) ?? [:]
        self.init(
            id: record.id ?? 0,
            model: record.model,
            client: record.client,
            metrics: metrics,
            numExamples: record.numExamples,
            createdAt: record.createdAt
        )
    }
}

extension MetricDTO {
    init(_ record: MetricRecord) {
        self.init(
            session: record.session?.rawValue,
            round: record.round,
            client: record.client,
            name: record.name,
            value: record.value,
            createdAt: record.createdAt
        )
    }
}

extension PackageDTO {
    init(_ record: PackageRecord, active: ModelID? = nil) {
        self.init(
            id: record.id,
            name: record.name,
            size: record.size,
            createdAt: record.createdAt,
            active: record.id == active?.hex
        )
    }
}
