import FedgeAPIModels
import FedgeCore
package import FedgeServerKit
import FedgeStore
import Foundation
package import Hummingbird
import Logging
import NIOCore

/// The controller's REST API under `/api/v1`, plus `/health` and `/metrics`: the same routes on TCP and on the
/// control socket. OpenAPI description: `openapi.yaml` at the top of the repository (a test holds the two
/// together).
package struct ControllerAPI: Sendable {
    let controller: Controller

    package init(controller: Controller) { self.controller = controller }

    /// A router with every route; `token` (TCP listeners) makes every route but `/health` require it.
    package func router(token: String?) -> Router<FedgeRequestContext> {
        let router = Router(context: FedgeRequestContext.self)
        router.add(middleware: APIErrorMiddleware())
        if let token { router.add(middleware: BearerTokenMiddleware(token: token)) }
        var table = RouteTable(router: router)
        self.register(&table)
        return router
    }

    /// Every route, for the OpenAPI check.
    package func routes() -> [RouteTable<FedgeRequestContext>.Entry] {
        var table = RouteTable(router: Router(context: FedgeRequestContext.self))
        self.register(&table)
        return table.entries
    }

    private func register(_ table: inout RouteTable<FedgeRequestContext>) {
        let c = self.controller
        let db = c.database

        table.on(.get, API.health) { _, _ in
            HealthDTO(status: "ok", role: "controller", name: "controller", version: "0.1.0", uptimeSeconds: Date().timeIntervalSince(c.startedAt))
        }
        table.on(.get, API.metrics) { _, _ in
            try self.refreshGauges()
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: c.metrics.render())))
        }

        // Federation
        table.on(.get, API.combiners) { request, _ in
            let (items, total) = try db.combiners(try Self.listQuery(request, filters: ["status"]))
            let counts = try db.clientCounts()
            return Page(items: items.map { CombinerDTO($0, counts: counts[$0.name] ?? [:]) }, total: total,
                        offset: try request.intQuery("offset", default: 0), limit: try request.intQuery("limit", default: 50))
        }
        table.on(.get, API.clients) { request, _ in
            let query = try Self.listQuery(request, filters: ["status", "combiner"])
            let (items, total) = try db.clients(query)
            return Page(items: items.map(ClientDTO.init), total: total, offset: query.offset, limit: query.limit)
        }

        // Sessions
        table.on(.get, API.sessions) { request, _ in
            let query = try Self.listQuery(request, filters: ["status"])
            let (items, total) = try db.sessions(query)
            return Page(items: try items.map { try self.session($0) }, total: total, offset: query.offset, limit: query.limit)
        }
        table.on(.post, API.sessions) { request, context in
            let dto = try await request.decode(as: SessionConfigDTO.self, context: context)
            var config: SessionConfig
            do {
                config = try SessionConfig(dto)
            } catch {
                throw APIError(.invalidConfig, "\(error)")
            }
            if let text = dto.modelId { config.model = try self.resolveModel(text) }
            let record = try await c.orchestrator.createSession(config, actor: "operator")
            return EditedResponse(status: .created, response: try self.session(record))
        }
        table.on(.get, API.sessions + "/:id") { _, context in
            try self.session(try self.sessionRecord(context))
        }
        table.on(.post, API.sessions + "/:id/start") { _, context in
            try self.session(try await c.orchestrator.resumeSession(try self.sessionRecord(context).id, actor: "operator"))
        }
        table.on(.post, API.sessions + "/:id/stop") { _, context in
            try self.session(try await c.orchestrator.stopSession(try self.sessionRecord(context).id, actor: "operator"))
        }
        table.on(.get, API.sessions + "/:id/rounds") { request, context in
            let session = try self.sessionRecord(context)
            let query = try Self.listQuery(request, filters: [], extra: ["session": session.id])
            let (items, total) = try db.rounds(query)
            return Page(items: try await self.rounds(items), total: total, offset: query.offset, limit: query.limit)
        }
        table.on(.get, API.sessions + "/:id/rounds/:number") { _, context in
            let session = try self.sessionRecord(context)
            let text = context.parameters.get("number") ?? ""
            guard let number = Int(text), let round = try db.round(session: session.id, number: number) else {
                throw APIError.notFound("Session \(session.id) has no round '\(text)'; `fedge round list --session \(session.id)` shows its rounds.")
            }
            return try await self.rounds([round])[0]
        }
        table.on(.get, API.rounds) { request, _ in
            let query = try Self.listQuery(request, filters: ["session", "status"])
            let (items, total) = try db.rounds(query)
            return Page(items: try await self.rounds(items), total: total, offset: query.offset, limit: query.limit)
        }

        // Models
        table.on(.get, API.models) { request, _ in
            let query = try Self.listQuery(request, filters: ["session"])
            let (items, total) = try db.models(query)
            let active = try db.activeModel()
            return Page(items: try items.map { try self.model($0, active: active, detailed: false) }, total: total,
                        offset: query.offset, limit: query.limit)
        }
        table.on(.post, API.models) { request, context in
            let upload = c.configuration.directory.appendingPathComponent("uploads")
            let path = try await Self.spool(request.body, into: upload)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let activate = request.query("activate").map { $0 == "true" || $0 == "1" } ?? false
            let existed = try c.database.modelCount()
            let record = try await c.addSeed(fileAt: path, actor: "operator", activate: activate)
            let created = try c.database.modelCount() > existed
            return EditedResponse(status: created ? .created : .ok, response: try self.model(record, active: try db.activeModel(), detailed: true))
        }
        table.on(.get, API.activeModel) { _, _ in
            guard let active = try db.activeModel(), let record = try db.model(active) else {
                throw APIError.notFound("No model is active yet; upload a seed with `fedge model upload FILE --activate`.")
            }
            return try self.model(record, active: active, detailed: true)
        }
        table.on(.put, API.activeModel) { request, context in
            let body = try await request.decode(as: ActivateModelRequest.self, context: context)
            let id = try self.resolveModel(body.model)
            try db.setActiveModel(id)
            await c.journal.record(kind: "model.activated", actor: "operator", subject: id.hex, message: "Model \(id.shortPrefix) is now the active model")
            return try self.model(try db.model(id)!, active: id, detailed: true)
        }
        table.on(.get, API.trailCheck) { _, _ in
            let problems = try db.verifyTrail(blobs: c.blobs)
            return TrailCheckDTO(models: try db.modelCount(), problems: problems.map(\.description))
        }
        table.on(.get, API.models + "/:id") { _, context in
            let id = try self.resolveModel(context.parameters.get("id") ?? "")
            return try self.model(try db.model(id)!, active: try db.activeModel(), detailed: true)
        }
        table.on(.get, API.models + "/:id/file") { _, context in
            let id = try self.resolveModel(context.parameters.get("id") ?? "")
            let path = c.blobs.path(for: id)
            guard c.blobs.contains(id) else {
                throw APIError(.internal, "Model \(id.shortPrefix) is in the trail but its file is missing from the blob store; run `fedge model verify`.")
            }
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
            let body = try await FileIO().loadFile(path: path, context: context)
            return Response(
                status: .ok,
                headers: [.contentType: "application/octet-stream", .contentLength: "\(size)",
                          .contentDisposition: "attachment; filename=\"\(id.hex).safetensors\""],
                body: body
            )
        }
        table.on(.get, API.models + "/:id/lineage") { _, context in
            let id = try self.resolveModel(context.parameters.get("id") ?? "")
            let active = try db.activeModel()
            return LineageDTO(
                model: id.hex,
                ancestors: try db.ancestors(of: id).map { try self.model($0, active: active, detailed: false) },
                children: try db.children(of: id).map { try self.model($0, active: active, detailed: false) }
            )
        }

        // Measurements and the audit trail
        table.on(.get, API.validations) { request, _ in
            var query = try Self.listQuery(request, filters: ["client"])
            if let model = request.query("model") { query.filters["model"] = try self.resolveModel(model).hex }
            let (items, total) = try db.validations(query)
            return Page(items: items.map(ValidationDTO.init), total: total, offset: query.offset, limit: query.limit)
        }
        table.on(.get, API.metricsList) { request, _ in
            let query = try Self.listQuery(request, filters: ["session", "round", "client", "name"])
            let (items, total) = try db.metrics(query)
            return Page(items: items.map(MetricDTO.init), total: total, offset: query.offset, limit: query.limit)
        }
        table.on(.get, API.events) { request, _ in
            let query = try Self.listQuery(request, filters: ["kind", "subject"])
            let (items, total) = try db.events(query)
            return Page(items: items.map(EventDTO.init), total: total, offset: query.offset, limit: query.limit)
        }
        table.on(.get, API.auditCheck) { _, _ in
            AuditCheckDTO(events: try db.eventCount(), brokenAt: try db.verifyAuditTrail())
        }
        table.on(.get, API.eventStream) { request, _ in
            // Resumes after `since`, or after the id a reconnecting EventSource sends in Last-Event-ID.
            let since = Int64(request.query("since") ?? "") ?? request.headers.first { $0.name.canonicalName == "last-event-id" }.flatMap { Int64($0.value) }
            let kinds = Set((request.query("kind") ?? "").split(separator: ",").map(String.init))
            return EventStream.response(bus: c.journal.bus, kinds: kinds, replay: { try since.map { try db.events(after: $0).map(EventDTO.init) } ?? [] })
        }
        table.on(.get, API.packages) { request, _ in
            let query = try Self.listQuery(request, filters: ["name"])
            let (items, total) = try db.packages(query)
            return Page(items: items.map(PackageDTO.init), total: total, offset: query.offset, limit: query.limit)
        }
        table.on(.post, API.packages) { request, _ in
            guard let name = request.query("name"), name.count <= 200, !name.contains("/") else {
                throw APIError.badRequest("Give the package a name with ?name=NAME (no slashes, at most 200 characters).")
            }
            let upload = c.configuration.directory.appendingPathComponent("uploads")
            let path = try await Self.spool(request.body, into: upload)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
            guard size > 0 else { throw APIError.badRequest("The package is empty; send the archive's bytes as the request body.") }
            let id = try c.blobs.put(fileAt: path)
            let record = try db.insertPackage(PackageRecord(id: id.hex, name: name, createdAt: Date(), size: size))
            await c.journal.record(kind: "package.uploaded", actor: "operator", subject: id.hex, message: "Compute package \(name) (\(id.shortPrefix), \(size) bytes) uploaded")
            return EditedResponse(status: .created, response: PackageDTO(record))
        }
    }

    // MARK: Helpers

    private func refreshGauges() throws {
        let counts = try self.controller.database.clientCounts()
        var online: [String: Int] = [:]
        for (combiner, statuses) in counts where !combiner.isEmpty { online[combiner] = statuses["online"] ?? 0 }
        var sessions: [String: Int] = [:]
        for status in SessionStatus.allCases {
            sessions[status.rawValue] = try self.controller.database.sessions(ListQuery(limit: 0, filters: ["status": status.rawValue])).total
        }
        self.controller.metrics.setGauges(clientsOnline: online, sessions: sessions)
    }

    static func listQuery(_ request: Request, filters: [String], extra: [String: String] = [:]) throws -> ListQuery {
        let limit = try request.intQuery("limit", default: 50)
        let offset = try request.intQuery("offset", default: 0)
        guard (0...1000).contains(limit), offset >= 0 else {
            throw APIError.badRequest("limit must be from 0 to 1000 and offset 0 or more (got limit=\(limit), offset=\(offset)).")
        }
        var query = ListQuery(limit: limit, offset: offset)
        for name in filters { if let value = request.query(name) { query.filters[name] = value } }
        for (name, value) in extra { query.filters[name] = value }
        return query
    }

    private func sessionRecord(_ context: FedgeRequestContext) throws -> SessionRecord {
        let id = context.parameters.get("id") ?? ""
        guard let record = try self.controller.database.session(id) else { throw Orchestrator.noSuchSession(id) }
        return record
    }

    private func session(_ record: SessionRecord) throws -> SessionDTO {
        var config = (try? Orchestrator.decodeConfig(record)) ?? SessionConfig()
        if config.model == nil { config.model = ModelID(hex: record.seedModel) }
        let rounds = try self.controller.database.rounds(ofSession: record.id)
        return SessionDTO(
            id: record.id, status: record.status, config: config.dto, createdAt: record.createdAt, seedModel: record.seedModel,
            roundsDone: rounds.filter { $0.status != RoundStatus.running.rawValue }.count,
            latestModel: rounds.filter { $0.status == RoundStatus.committed.rawValue }.max { $0.number < $1.number }?.model,
            reason: record.reason
        )
    }

    private func rounds(_ records: [RoundRecord]) async throws -> [RoundDTO] {
        var out: [RoundDTO] = []
        for record in records {
            var participation = try self.controller.database.participation(session: record.session, round: record.number).map(ParticipationDTO.init)
            var received = record.received
            if record.status == RoundStatus.running.rawValue {
                // Live counts from the combiners while the round runs.
                let live = await self.controller.hub.progress(session: record.session, round: record.number)
                participation = live.sorted { $0.key < $1.key }.map {
                    ParticipationDTO(combiner: $0.key, selected: $0.value.selected, received: $0.value.received, failed: $0.value.failed,
                                     refused: $0.value.refused, partial: nil)
                }
                received = live.values.reduce(0) { $0 + $1.received }
            }
            out.append(RoundDTO(
                session: record.session, number: record.number, status: record.status, startedAt: record.startedAt, endedAt: record.endedAt,
                deadline: record.deadline, minimum: record.minimum, expected: record.expected, received: received, model: record.model,
                reason: record.reason, participation: participation
            ))
        }
        return out
    }

    private func model(_ record: ModelRecord, active: ModelID?, detailed: Bool) throws -> ModelDTO {
        let db = self.controller.database
        var sums: [String: Double] = [:]
        var weights: [String: Double] = [:]
        for validation in try db.validations(of: record.id) {
            let metrics = (try? JSONDecoder().decode([String: Double].self, from: Data(validation.metrics.utf8))) ?? [:]
            let weight = validation.numExamples > 0 ? validation.numExamples : 1
            for (name, value) in metrics where value.isFinite && name != "num_examples" {
                sums[name, default: 0] += value * weight
                weights[name, default: 0] += weight
            }
        }
        let metrics = sums.reduce(into: [String: Double]()) { $0[$1.key] = $1.value / weights[$1.key]! }
        let contributions = detailed ? try db.contributions(of: ModelID(hex: record.id)!).map(ContributionDTO.init) : nil
        return ModelDTO(
            id: record.id, parent: record.parent, session: record.session, round: record.round, aggregator: record.aggregator,
            size: record.size, totalWeight: record.totalWeight, createdAt: record.createdAt, active: record.id == active?.hex,
            metrics: metrics, contributors: try contributions?.count ?? db.contributionCount(of: record.id), contributions: contributions
        )
    }

    /// A model id from a full id or a unique prefix of at least 6 hex digits.
    private func resolveModel(_ text: String) throws -> ModelID {
        let text = text.lowercased()
        if let id = ModelID(hex: text), try self.controller.database.model(id) != nil { return id }
        guard text.count >= 6 else {
            throw APIError.notFound("'\(text)' is not a model id; give the id or at least its first 6 hex digits (`fedge model list`).")
        }
        let matches = try self.controller.database.models(withPrefix: text)
        switch matches.count {
        case 1: return ModelID(hex: matches[0].id)!
        case 0: throw APIError.notFound("No model id starts with '\(text)'; `fedge model list` shows the models.")
        default: throw APIError.conflict("More than one model id starts with '\(text)'; give more digits.")
        }
    }

    /// Streams a request body into a new file under `directory`; returns its path.
    static func spool(_ body: RequestBody, into directory: URL) async throws -> String {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("upload-\(UUID().uuidString)").path
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
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
