package import FedgeAPIModels

/// Typed calls for each route of the controller's API (and, at the end, of a combiner's control socket).
///
/// List calls take `limit` and `offset` (the server's defaults when `nil`) and the route's filters; a `nil`
/// filter is left out of the query.
extension APIClient {
    // MARK: Health

    /// `GET /health`: who answers, its version and uptime.
    package func health() async throws -> HealthDTO {
        try await self.get(API.health)
    }

    /// `GET /metrics`: the Prometheus exposition text.
    package func prometheusMetrics() async throws -> String {
        try await self.text(API.metrics)
    }

    // MARK: Federation

    /// `GET /api/v1/combiners`.
    package func listCombiners(
        status: String? = nil,
        limit: Int? = nil,
        offset: Int? = nil
    ) async throws
        -> Page<CombinerDTO>
    {
        try await self.get(API.combiners, query: Self.query(["status": status], limit: limit, offset: offset))
    }

    /// `GET /api/v1/clients`.
    package func listClients(
        status: String? = nil,
        combiner: String? = nil,
        limit: Int? = nil,
        offset: Int? = nil
    ) async throws -> Page<ClientDTO> {
        try await self.get(
            API.clients,
            query: Self.query(["status": status, "combiner": combiner], limit: limit, offset: offset)
        )
    }

    // MARK: Sessions and rounds

    /// `GET /api/v1/sessions`.
    package func listSessions(
        status: String? = nil,
        limit: Int? = nil,
        offset: Int? = nil
    ) async throws
        -> Page<SessionDTO>
    {
        try await self.get(API.sessions, query: Self.query(["status": status], limit: limit, offset: offset))
    }

    /// `POST /api/v1/sessions`: creates a session and queues it; the answer has every default filled in.
    package func createSession(_ config: SessionConfigDTO) async throws -> SessionDTO {
        try await self.post(API.sessions, body: config)
    }

    /// `GET /api/v1/sessions/{id}`.
    package func session(_ id: String) async throws -> SessionDTO {
        try await self.get(API.session(id))
    }

    /// `POST /api/v1/sessions/{id}/start`: queues a stopped or failed session again; it resumes at its next round.
    package func startSession(_ id: String) async throws -> SessionDTO {
        try await self.post(API.sessionStart(id))
    }

    /// `POST /api/v1/sessions/{id}/stop`: stops a session after cancelling its running round.
    package func stopSession(_ id: String) async throws -> SessionDTO {
        try await self.post(API.sessionStop(id))
    }

    /// `GET /api/v1/sessions/{id}/rounds`.
    package func sessionRounds(_ id: String, limit: Int? = nil, offset: Int? = nil) async throws -> Page<RoundDTO> {
        try await self.get(API.sessionRounds(id), query: Self.query([:], limit: limit, offset: offset))
    }

    /// `GET /api/v1/sessions/{id}/rounds/{number}`.
    package func round(session: String, number: Int) async throws -> RoundDTO {
        try await self.get(API.round(session: session, number: number))
    }

    /// `GET /api/v1/rounds`: rounds across sessions.
    package func listRounds(
        session: String? = nil,
        status: String? = nil,
        limit: Int? = nil,
        offset: Int? = nil
    ) async throws -> Page<RoundDTO> {
        try await self.get(
            API.rounds,
            query: Self.query(["session": session, "status": status], limit: limit, offset: offset)
        )
    }

    // MARK: Models

    /// `GET /api/v1/models`.
    package func listModels(
        session: String? = nil,
        limit: Int? = nil,
        offset: Int? = nil
    ) async throws
        -> Page<ModelDTO>
    {
        try await self.get(API.models, query: Self.query(["session": session], limit: limit, offset: offset))
    }

    /// `GET /api/v1/models/{id}`: one model with its contributions. `id` may be a unique prefix.
    package func model(_ id: String) async throws -> ModelDTO {
        try await self.get(API.model(id))
    }

    /// `GET /api/v1/models/{id}/lineage`: the model's ancestors back to its seed, and its children.
    package func lineage(_ id: String) async throws -> LineageDTO {
        try await self.get(API.modelLineage(id))
    }

    /// `GET /api/v1/models/active`.
    package func activeModel() async throws -> ModelDTO {
        try await self.get(API.activeModel)
    }

    /// `PUT /api/v1/models/active`: makes `model` (an id or unique prefix) the one new sessions start from.
    package func activate(model: String) async throws -> ModelDTO {
        try await self.put(API.activeModel, body: ActivateModelRequest(model: model))
    }

    /// `GET /api/v1/models/verify`: re-hashes the trail and reports what does not add up.
    package func verifyTrail() async throws -> TrailCheckDTO {
        try await self.get(API.trailCheck)
    }

    /// `POST /api/v1/models`: uploads a safetensors file as a seed model, streaming it from disk.
    package func uploadModel(from file: String, activate: Bool = false) async throws -> ModelDTO {
        try await self.upload(API.models, file: file, query: ["activate": activate ? "true" : "false"])
    }

    /// `GET /api/v1/models/{id}/file`: streams the model file to `file`.
    ///
    /// - Returns: The number of bytes written.
    @discardableResult
    package func downloadModel(_ id: String, to file: String) async throws -> Int64 {
        try await self.download(API.modelFile(id), to: file)
    }

    // MARK: Validations, metrics, events, packages

    /// `POST /api/v1/packages?name=NAME[&activate=true]`: uploads a compute package archive (`.tgz`).
    package func uploadPackage(from file: String, name: String, activate: Bool = false) async throws -> PackageDTO {
        try await self.upload(API.packages, file: file, query: ["name": name, "activate": activate ? "true" : "false"])
    }

    /// `GET /api/v1/packages`.
    package func listPackages(limit: Int? = nil, offset: Int? = nil) async throws -> Page<PackageDTO> {
        try await self.get(API.packages, query: Self.query([:], limit: limit, offset: offset))
    }

    /// `GET /api/v1/packages/{id}`: `id` may be a unique prefix.
    package func package(_ id: String) async throws -> PackageDTO {
        try await self.get(API.package(id))
    }

    /// `POST /api/v1/packages/{id}/activate`.
    package func activatePackage(_ id: String) async throws -> PackageDTO {
        try await self.post(API.packageActivate(id))
    }

    /// `GET /api/v1/validations`.
    package func listValidations(
        model: String? = nil,
        client: String? = nil,
        limit: Int? = nil,
        offset: Int? = nil
    ) async throws -> Page<ValidationDTO> {
        try await self.get(
            API.validations,
            query: Self.query(["model": model, "client": client], limit: limit, offset: offset)
        )
    }

    /// `GET /api/v1/metrics`.
    package func listMetrics(
        session: String? = nil,
        round: Int? = nil,
        client: String? = nil,
        name: String? = nil,
        limit: Int? = nil,
        offset: Int? = nil
    ) async throws -> Page<MetricDTO> {
        try await self.get(
            API.metricsList,
            query: Self.query(
                ["session": session, "round": round.map(String.init), "client": client, "name": name],
                limit: limit,
                offset: offset
            )
        )
    }

    /// `GET /api/v1/events`: the audit trail, newest first.
    package func listEvents(
        kind: String? = nil,
        actor: String? = nil,
        outcome: String? = nil,
        since: String? = nil,
        limit: Int? = nil,
        offset: Int? = nil
    ) async throws
        -> Page<EventDTO>
    {
        try await self.get(
            API.events,
            query: Self.query(
                ["kind": kind, "actor": actor, "outcome": outcome, "since": since],
                limit: limit,
                offset: offset
            )
        )
    }

    // MARK: Identities

    /// `GET /api/v1/tokens`: issued tokens (ids, never their text); expired ones too with `all`.
    package func listTokens(all: Bool = false) async throws -> Page<TokenDTO> {
        try await self.get(API.tokens, query: all ? ["all": "true"] : [:])
    }

    /// `POST /api/v1/tokens`: a token for a person, its text shown this once.
    package func createToken(_ request: CreateTokenRequest) async throws -> CreatedTokenDTO {
        try await self.post(API.tokens, body: request)
    }

    /// `DELETE /api/v1/tokens/{id}`: revokes a token.
    package func revokeToken(_ id: String) async throws -> TokenDTO {
        try await self.delete(API.token(id))
    }

    /// `POST /api/v1/enrollments/combiners`: a combiner's kit.
    package func enrollCombiner(_ request: EnrollRequest) async throws -> EnrollmentDTO {
        try await self.post(API.combinerEnrollments, body: request)
    }

    /// `POST /api/v1/enrollments/clients`: a client's kit.
    package func enrollClient(_ request: EnrollRequest) async throws -> EnrollmentDTO {
        try await self.post(API.clientEnrollments, body: request)
    }

    // MARK: A combiner's control socket

    /// `GET /api/v1/status` on a combiner's control socket.
    /// `GET /api/v1/events/verify`: recomputes the audit trail's hash chain.
    package func verifyAuditTrail() async throws -> AuditCheckDTO {
        try await self.get(API.auditCheck)
    }

    package func combinerStatus() async throws -> CombinerStatusDTO {
        try await self.get(API.combinerStatus)
    }

    /// The query for a list call: the non-`nil` filters, then `limit` and `offset`.
    static func query(_ filters: [String: String?], limit: Int?, offset: Int?) -> [String: String] {
        var query = filters.compactMapValues { $0 }
        if let limit { query["limit"] = String(limit) }
        if let offset { query["offset"] = String(offset) }
        return query
    }
}
