package import Foundation

/// A combiner the controller knows, with its clients by liveness.
package struct CombinerDTO: Sendable, Hashable, Codable {
    package var name: String
    /// Where its clients reach it (host:port).
    package var address: String
    /// `online` while it holds its stream to the controller, `offline` after.
    package var status: String
    package var firstSeen: Date
    package var lastSeen: Date
    package var clientsOnline: Int
    package var clientsStale: Int
    package var clientsOffline: Int

    package init(name: String, address: String, status: String, firstSeen: Date, lastSeen: Date,
                 clientsOnline: Int, clientsStale: Int, clientsOffline: Int) {
        self.name = name
        self.address = address
        self.status = status
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.clientsOnline = clientsOnline
        self.clientsStale = clientsStale
        self.clientsOffline = clientsOffline
    }
}

/// A node's resource use, as its last heartbeat reported.
package struct TelemetryDTO: Sendable, Hashable, Codable {
    package var cpuPercent: Double
    package var memoryUsedBytes: UInt64
    package var memoryTotalBytes: UInt64
    package var diskFreeBytes: UInt64
    package var processRssBytes: UInt64
    package var cores: Int

    package init(cpuPercent: Double, memoryUsedBytes: UInt64, memoryTotalBytes: UInt64, diskFreeBytes: UInt64,
                 processRssBytes: UInt64, cores: Int) {
        self.cpuPercent = cpuPercent
        self.memoryUsedBytes = memoryUsedBytes
        self.memoryTotalBytes = memoryTotalBytes
        self.diskFreeBytes = diskFreeBytes
        self.processRssBytes = processRssBytes
        self.cores = cores
    }
}

/// An edge client: `online`, `stale` (silent for a while, given no new tasks) or `offline`.
package struct ClientDTO: Sendable, Hashable, Codable {
    package var name: String
    package var combiner: String?
    package var status: String
    package var firstSeen: Date
    package var lastSeen: Date
    package var tasksDone: Int
    package var tasksFailed: Int
    package var telemetry: TelemetryDTO?

    package init(name: String, combiner: String?, status: String, firstSeen: Date, lastSeen: Date, tasksDone: Int,
                 tasksFailed: Int, telemetry: TelemetryDTO?) {
        self.name = name
        self.combiner = combiner
        self.status = status
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.tasksDone = tasksDone
        self.tasksFailed = tasksFailed
        self.telemetry = telemetry
    }
}

/// What an operator asks for when creating a session; every field may be left out for its default.
package struct SessionConfigDTO: Sendable, Hashable, Codable {
    /// fedavg, fedavgm, fedadam, fedyogi, fedadagrad, fedmedian, fedtrimmedavg, krum, multikrum. Default fedavg.
    package var aggregator: String?
    package var aggregatorParams: [String: Double]?
    /// Default 5.
    package var rounds: Int?
    /// Seconds; default 180.
    package var roundTimeout: Double?
    /// Close a round after this many updates; default (0) waits for every selected client.
    package var bufferSize: Int?
    /// The fewest updates for a round to count; default 1.
    package var clientsRequired: Int?
    /// How many clients to ask each round; default (0) every active client.
    package var requestedClients: Int?
    /// Run a validation round on each new model; default true.
    package var validate: Bool?
    /// The model to start from; default the active model.
    package var modelId: String?
    /// Passed to every trainer (for example epochs, learning_rate, mu).
    package var clientSettings: [String: JSONValue]?

    package init(aggregator: String? = nil, aggregatorParams: [String: Double]? = nil, rounds: Int? = nil,
                 roundTimeout: Double? = nil, bufferSize: Int? = nil, clientsRequired: Int? = nil,
                 requestedClients: Int? = nil, validate: Bool? = nil, modelId: String? = nil,
                 clientSettings: [String: JSONValue]? = nil) {
        self.aggregator = aggregator
        self.aggregatorParams = aggregatorParams
        self.rounds = rounds
        self.roundTimeout = roundTimeout
        self.bufferSize = bufferSize
        self.clientsRequired = clientsRequired
        self.requestedClients = requestedClients
        self.validate = validate
        self.modelId = modelId
        self.clientSettings = clientSettings
    }
}

/// A session: `queued`, `running`, `finished`, `stopped` or `failed`.
package struct SessionDTO: Sendable, Hashable, Codable {
    package var id: String
    package var status: String
    /// The config with every default filled in.
    package var config: SessionConfigDTO
    package var createdAt: Date
    package var seedModel: String
    /// Rounds that ended (committed or failed).
    package var roundsDone: Int
    /// The newest model the session committed.
    package var latestModel: String?
    package var reason: String?

    package init(id: String, status: String, config: SessionConfigDTO, createdAt: Date, seedModel: String,
                 roundsDone: Int, latestModel: String?, reason: String?) {
        self.id = id
        self.status = status
        self.config = config
        self.createdAt = createdAt
        self.seedModel = seedModel
        self.roundsDone = roundsDone
        self.latestModel = latestModel
        self.reason = reason
    }
}

/// One combiner's part in a round.
package struct ParticipationDTO: Sendable, Hashable, Codable {
    package var combiner: String
    package var selected: Int
    package var received: Int
    package var failed: Int
    package var refused: Int
    package var partial: String?

    package init(combiner: String, selected: Int, received: Int, failed: Int, refused: Int, partial: String?) {
        self.combiner = combiner
        self.selected = selected
        self.received = received
        self.failed = failed
        self.refused = refused
        self.partial = partial
    }
}

/// A round: `running`, `validating`, `committed`, `failed` or `cancelled`.
package struct RoundDTO: Sendable, Hashable, Codable {
    package var session: String
    package var number: Int
    package var status: String
    package var startedAt: Date
    package var endedAt: Date?
    package var deadline: Date?
    /// Updates the round needs to count.
    package var minimum: Int
    /// Updates asked for across combiners.
    package var expected: Int
    /// Updates received so far (live while the round runs).
    package var received: Int
    package var model: String?
    package var reason: String?
    package var participation: [ParticipationDTO]

    package init(session: String, number: Int, status: String, startedAt: Date, endedAt: Date?, deadline: Date?,
                 minimum: Int, expected: Int, received: Int, model: String?, reason: String?,
                 participation: [ParticipationDTO]) {
        self.session = session
        self.number = number
        self.status = status
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.deadline = deadline
        self.minimum = minimum
        self.expected = expected
        self.received = received
        self.model = model
        self.reason = reason
        self.participation = participation
    }

    /// Seconds from start to end, once ended.
    package var durationSeconds: Double? { self.endedAt.map { $0.timeIntervalSince(self.startedAt) } }
}

/// One update's share in a model.
package struct ContributionDTO: Sendable, Hashable, Codable {
    package var client: String
    package var combiner: String?
    package var weight: Double
    package var update: String

    package init(client: String, combiner: String?, weight: Double, update: String) {
        self.client = client
        self.combiner = combiner
        self.weight = weight
        self.update = update
    }
}

/// A model of the trail.
package struct ModelDTO: Sendable, Hashable, Codable {
    /// The SHA-256 of the model file.
    package var id: String
    package var parent: String?
    package var session: String?
    package var round: Int?
    package var aggregator: String?
    package var size: Int64
    package var totalWeight: Double?
    package var createdAt: Date
    package var active: Bool
    /// Validation metrics, averaged over clients weighted by their examples.
    package var metrics: [String: Double]
    /// How many client updates went into the model (0 for a seed).
    package var contributors: Int
    /// Present when one model is shown.
    package var contributions: [ContributionDTO]?

    package init(id: String, parent: String?, session: String?, round: Int?, aggregator: String?, size: Int64,
                 totalWeight: Double?, createdAt: Date, active: Bool, metrics: [String: Double], contributors: Int = 0,
                 contributions: [ContributionDTO]?) {
        self.id = id
        self.parent = parent
        self.session = session
        self.round = round
        self.aggregator = aggregator
        self.size = size
        self.totalWeight = totalWeight
        self.createdAt = createdAt
        self.active = active
        self.metrics = metrics
        self.contributors = contributors
        self.contributions = contributions
    }
}

/// A model's ancestors (newest first, ending at its seed) and children.
package struct LineageDTO: Sendable, Hashable, Codable {
    package var model: String
    package var ancestors: [ModelDTO]
    package var children: [ModelDTO]

    package init(model: String, ancestors: [ModelDTO], children: [ModelDTO]) {
        self.model = model
        self.ancestors = ancestors
        self.children = children
    }
}

/// The result of checking the model trail.
package struct TrailCheckDTO: Sendable, Hashable, Codable {
    package var models: Int
    package var problems: [String]

    package init(models: Int, problems: [String]) {
        self.models = models
        self.problems = problems
    }
}

/// The result of checking the audit trail's hash chain.
package struct AuditCheckDTO: Sendable, Hashable, Codable {
    /// How many events were checked.
    package var events: Int
    /// The first event whose hash does not follow from the one before (absent when the chain is sound).
    package var brokenAt: Int64?

    package init(events: Int, brokenAt: Int64?) {
        self.events = events
        self.brokenAt = brokenAt
    }
}

/// `PUT /models/active`.
package struct ActivateModelRequest: Sendable, Hashable, Codable {
    package var model: String

    package init(model: String) { self.model = model }
}

/// One client's validation of one model.
package struct ValidationDTO: Sendable, Hashable, Codable {
    package var id: Int64
    package var model: String
    package var client: String
    package var metrics: [String: Double]
    package var numExamples: Double
    package var createdAt: Date

    package init(id: Int64, model: String, client: String, metrics: [String: Double], numExamples: Double, createdAt: Date) {
        self.id = id
        self.model = model
        self.client = client
        self.metrics = metrics
        self.numExamples = numExamples
        self.createdAt = createdAt
    }
}

/// One measurement: per round (no client) or per client.
package struct MetricDTO: Sendable, Hashable, Codable {
    package var session: String?
    package var round: Int?
    package var client: String?
    package var name: String
    package var value: Double
    package var createdAt: Date

    package init(session: String?, round: Int?, client: String?, name: String, value: Double, createdAt: Date) {
        self.session = session
        self.round = round
        self.client = client
        self.name = name
        self.value = value
        self.createdAt = createdAt
    }
}

/// An entry of the audit trail (or, on the live stream, a progress notice with `id` 0).
package struct EventDTO: Sendable, Hashable, Codable {
    package var id: Int64
    package var kind: String
    package var actor: String
    package var subject: String?
    package var message: String
    package var createdAt: Date
    /// The entry's hash in the audit chain (empty for progress notices, which are not stored).
    package var hash: String

    package init(id: Int64, kind: String, actor: String, subject: String?, message: String, createdAt: Date, hash: String) {
        self.id = id
        self.kind = kind
        self.actor = actor
        self.subject = subject
        self.message = message
        self.createdAt = createdAt
        self.hash = hash
    }
}

/// A compute package the controller holds.
package struct PackageDTO: Sendable, Hashable, Codable {
    package var id: String
    package var name: String
    package var size: Int64
    package var createdAt: Date

    package init(id: String, name: String, size: Int64, createdAt: Date) {
        self.id = id
        self.name = name
        self.size = size
        self.createdAt = createdAt
    }
}

/// `GET /health`.
package struct HealthDTO: Sendable, Hashable, Codable {
    /// `ok`.
    package var status: String
    /// `controller` or `combiner`.
    package var role: String
    package var name: String
    package var version: String
    package var uptimeSeconds: Double

    package init(status: String, role: String, name: String, version: String, uptimeSeconds: Double) {
        self.status = status
        self.role = role
        self.name = name
        self.version = version
        self.uptimeSeconds = uptimeSeconds
    }
}

/// A combiner's own view, on its control socket.
package struct CombinerStatusDTO: Sendable, Hashable, Codable {
    package var name: String
    package var address: String
    package var controller: String?
    /// Whether it holds its stream to the controller.
    package var attached: Bool
    package var clientsOnline: Int
    package var clientsStale: Int
    package var clientsOffline: Int
    package var updatesAccepted: Int
    package var updatesRefused: [String: Int]
    package var round: CombinerRoundDTO?

    package init(name: String, address: String, controller: String?, attached: Bool, clientsOnline: Int,
                 clientsStale: Int, clientsOffline: Int, updatesAccepted: Int, updatesRefused: [String: Int],
                 round: CombinerRoundDTO?) {
        self.name = name
        self.address = address
        self.controller = controller
        self.attached = attached
        self.clientsOnline = clientsOnline
        self.clientsStale = clientsStale
        self.clientsOffline = clientsOffline
        self.updatesAccepted = updatesAccepted
        self.updatesRefused = updatesRefused
        self.round = round
    }
}

/// The round a combiner is running.
package struct CombinerRoundDTO: Sendable, Hashable, Codable {
    package var session: String
    package var round: Int
    package var kind: String
    package var selected: Int
    package var received: Int
    package var failed: Int
    package var minimum: Int
    package var bufferSize: Int
    package var deadline: Date

    package init(session: String, round: Int, kind: String, selected: Int, received: Int, failed: Int, minimum: Int,
                 bufferSize: Int, deadline: Date) {
        self.session = session
        self.round = round
        self.kind = kind
        self.selected = selected
        self.received = received
        self.failed = failed
        self.minimum = minimum
        self.bufferSize = bufferSize
        self.deadline = deadline
    }
}
