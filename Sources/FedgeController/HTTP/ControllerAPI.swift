import FedgeAPIModels
import FedgeCore
package import FedgeServerKit
import FedgeStore
import Foundation
package import Hummingbird
import Logging
import NIOCore

/// The controller's REST API under `/api/v1`, plus `/health` and `/metrics`: the same routes on TCP and on the
/// control socket. The routes live by resource in `FederationRoutes`, `SessionRoutes`, `ModelRoutes` and
/// `MeasurementRoutes`; this type builds the router and maps records to DTOs for them. OpenAPI description: `openapi.yaml` at the top of the repository (a test holds the two
/// together).
package struct ControllerAPI: Sendable {
    let controller: Controller

    package init(controller: Controller) { self.controller = controller }

    /// A router with every route, each checked against the access matrix: on TCP callers prove who they are
    /// with a token; on the control socket they are admin.
    package func router(controlSocket: Bool) -> Router<FedgeRequestContext> {
        let router = Router(context: FedgeRequestContext.self)
        router.add(middleware: APIErrorMiddleware())
        let controller = self.controller
        router.add(
            middleware: AuthenticationMiddleware(
                mode: controlSocket ? .controlSocket : .tokens(controller.configuration.keys.verifier),
                refused: { error, route, address, claimed in
                    await controller.recordRefusal(error, action: route, address: address, claimed: claimed)
                }
            )
        )
        router.addRoutes(AccessRoutes(api: self).endpoints)
        router.addRoutes(FederationRoutes(api: self).endpoints)
        router.addRoutes(SessionRoutes(api: self).endpoints)
        router.addRoutes(ModelRoutes(api: self).endpoints)
        router.addRoutes(MeasurementRoutes(api: self).endpoints)
        router.add(middleware: MethodNotAllowedMiddleware(routes: router.routes))
        return router
    }

    // MARK: Helpers

    func refreshGauges() async throws {
        let counts = try await self.controller.database.clientCounts()
        var online: [String: Int] = [:]
        for (combiner, statuses) in counts where !combiner.isEmpty { online[combiner] = statuses["online"] ?? 0 }
        var sessions: [String: Int] = [:]
        for status in SessionStatus.allCases {
            sessions[status.rawValue] = try await self.controller.database.sessions(
                ListQuery(limit: 0, filters: ["status": status.rawValue])
            ).total
        }
        self.controller.metrics.setGauges(clientsOnline: online, sessions: sessions)
    }

    static func listQuery(_ request: Request, filters: [String], extra: [String: String] = [:]) throws -> ListQuery {
        let limit = try request.intQuery("limit", default: 50)
        let offset = try request.intQuery("offset", default: 0)
        guard (0...1000).contains(limit), offset >= 0 else {
            throw APIError.badRequest(
                "limit must be from 0 to 1000 and offset 0 or more (got limit=\(limit), offset=\(offset))."
            )
        }
        var query = ListQuery(limit: limit, offset: offset)
        for name in filters { if let value = request.query(name) { query.filters[name] = value } }
        for (name, value) in extra { query.filters[name] = value }
        return query
    }

    func sessionRecord(_ context: FedgeRequestContext) async throws -> SessionRecord {
        let id = context.parameters.get("id") ?? ""
        guard let record = try await self.controller.database.session(SessionID(id)) else {
            throw Orchestrator.noSuchSession(SessionID(id))
        }
        return record
    }

    func session(_ record: SessionRecord) async throws -> SessionDTO {
        var config = (try? Orchestrator.decodeConfig(record)) ?? SessionConfig()
        if config.model == nil { config.model = ModelID(hex: record.seedModel) }
        let rounds = try await self.controller.database.rounds(ofSession: SessionID(record.id.rawValue))
        return SessionDTO(
            id: record.id.rawValue,
            status: record.status.rawValue,
            config: config.dto,
            createdAt: record.createdAt,
            seedModel: record.seedModel,
            roundsDone: rounds.filter { $0.status != .running }.count,
            latestModel: rounds.filter { $0.status == .committed }.max { $0.number < $1.number }?.model,
            reason: record.reason
        )
    }

    func rounds(_ records: [RoundRecord]) async throws -> [RoundDTO] {
        var out: [RoundDTO] = []
        for record in records {
            var participation = try await self.controller.database.participation(
                session: SessionID(record.session.rawValue),
                round: record.number
            ).map(ParticipationDTO.init)
            var received = record.received
            if record.status == .running {
                // Live counts from the combiners while the round runs.
                let live = await self.controller.hub.progress(session: record.session.rawValue, round: record.number)
                participation = live.sorted { $0.key < $1.key }.map {
                    ParticipationDTO(
                        combiner: $0.key,
                        selected: $0.value.selected,
                        received: $0.value.received,
                        failed: $0.value.failed,
                        refused: $0.value.refused,
                        partial: nil
                    )
                }
                received = live.values.reduce(0) { $0 + $1.received }
            }
            out.append(
                RoundDTO(
                    session: record.session.rawValue,
                    number: record.number,
                    status: record.status.rawValue,
                    startedAt: record.startedAt,
                    endedAt: record.endedAt,
                    deadline: record.deadline,
                    minimum: record.minimum,
                    expected: record.expected,
                    received: received,
                    model: record.model,
                    reason: record.reason,
                    participation: participation,
                    phases: record.phases
                )
            )
        }
        return out
    }

    /// One model as the API shows it, with its contributions when `detailed`.
    func model(_ record: ModelRecord, active: ModelID?, detailed: Bool) async throws -> ModelDTO {
        try await self.models([record], active: active, detailed: detailed)[0]
    }

    /// Models as the API shows them: metrics are the weighted means of their validations. Two queries for the
    /// whole list (and one per model for the contributions of a detailed one).
    func models(_ records: [ModelRecord], active: ModelID?, detailed: Bool = false) async throws -> [ModelDTO] {
        let db = self.controller.database
        let (contributors, validations) = try await db.contributorsAndValidations(of: records.map(\.id))
        var models: [ModelDTO] = []
        for record in records {
            var means = WeightedMeans()
            for validation in validations[record.id] ?? [] {
                let metrics =
                    (try? JSONDecoder().decode([String: Double].self, from: Data(validation.metrics.utf8))) ?? [:]
                means.add(metrics, examples: validation.numExamples)
            }
            let contributions =
                detailed ? try await db.contributions(of: ModelID(hex: record.id)!).map(ContributionDTO.init) : nil
            models.append(
                ModelDTO(
                    id: record.id,
                    parent: record.parent,
                    session: record.session?.rawValue,
                    round: record.round,
                    aggregator: record.aggregator,
                    size: record.size,
                    totalWeight: record.totalWeight,
                    createdAt: record.createdAt,
                    active: record.id == active?.hex,
                    metrics: means.means,
                    contributors: contributors[record.id] ?? 0,
                    contributions: contributions
                )
            )
        }
        return models
    }

    /// A model id from a full id or a unique prefix of at least 6 hex digits.
    func resolveModel(_ text: String) async throws -> ModelID {
        let db = self.controller.database
        return try await Self.resolve(
            text,
            what: "model",
            exists: { try await db.model($0) != nil },
            withPrefix: { try await db.models(withPrefix: $0).map(\.id) }
        )
    }

    /// A package id from a full id or a unique prefix of at least 6 hex digits.
    func resolvePackage(_ text: String) async throws -> ModelID {
        let db = self.controller.database
        return try await Self.resolve(
            text,
            what: "package",
            exists: { try await db.package($0) != nil },
            withPrefix: { try await db.packages(withPrefix: $0).map(\.id) }
        )
    }

    /// The one id `text` names among the `what`s: the whole id, or a unique prefix of at least 6 hex digits.
    private static func resolve(
        _ text: String,
        what: String,
        exists: (ModelID) async throws -> Bool,
        withPrefix: (String) async throws -> [String]
    ) async throws -> ModelID {
        let text = text.lowercased()
        if let id = ModelID(hex: text), try await exists(id) { return id }
        guard text.count >= 6 else {
            throw APIError.notFound(
                "'\(text)' is not a \(what) id; give the id or at least its first 6 hex digits (`fedge \(what) list`)."
            )
        }
        let matches = try await withPrefix(text)
        switch matches.count {
        case 1: return ModelID(hex: matches[0])!
        case 0: throw APIError.notFound("No \(what) id starts with '\(text)'; `fedge \(what) list` shows the \(what)s.")
        default: throw APIError.conflict("More than one \(what) id starts with '\(text)'; give more digits.")
        }
    }

    /// Streams a request body into a new file under `directory`; returns its path.
    static func spool(_ body: RequestBody, into directory: URL) async throws -> String {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("upload-\(UUID().uuidString)").path
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else {
            throw APIError(.internal, "cannot create \(path) for the upload")
        }
        do {
            for try await buffer in body {
                try handle.write(contentsOf: buffer.readableBytesView)
            }
            try handle.synchronize()
            try handle.close()
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
        return path
    }
}
