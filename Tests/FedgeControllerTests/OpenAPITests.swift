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

/// Holds `openapi.yaml` (at the top of the repository) against the code: the routes `ControllerAPI` registers, and
/// the JSON the DTOs encode to with `API.makeEncoder()`.
@Suite("OpenAPI description")
struct OpenAPITests {
    @Test("The spec describes exactly the routes the controller serves")
    func routesMatch() async throws {
        let spec = try OpenAPISpec.load()
        let served = try await withTemporaryDirectory { path in
            try ControllerAPI(controller: makeController(in: path)).router(token: nil).routes.map { route in
                // Hummingbird writes a parameter as `:id`, OpenAPI as `{id}`.
                let path = "\(route.path)".split(separator: "/", omittingEmptySubsequences: false)
                    .map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
                return "\(route.method) \(path.hasPrefix("/") ? path : "/" + path)"
            }
        }
        let described = spec.operations.map(\.route)

        #expect(Set(served).count == served.count, "A route is registered twice: \(served.sorted())")
        #expect(Set(described).subtracting(served).sorted() == [], "Described in openapi.yaml but not served")
        #expect(Set(served).subtracting(described).sorted() == [], "Served but not described in openapi.yaml")
    }

    @Test("Every operation has an id, a summary, its path parameters and ErrorBody errors")
    func operationsAreComplete() throws {
        let spec = try OpenAPISpec.load()
        var operationIds: [String] = []
        for operation in spec.operations {
            let id = operation.body["operationId"]?.string ?? ""
            operationIds.append(id)
            #expect(!id.isEmpty, "\(operation.route) has no operationId")
            let summary = operation.body["summary"]?.string ?? ""
            #expect(!summary.isEmpty && !summary.contains("\n"), "\(operation.route) needs a one-line summary")

            let parameters = (operation.body["parameters"]?.array ?? []).compactMap(spec.resolved)
            let pathParameters = parameters.filter { $0["in"]?.string == "path" }
            #expect(
                Set(pathParameters.compactMap { $0["name"]?.string }) == Set(templateParameters(of: operation.path)),
                "\(operation.route): its path parameters are not the ones in its path"
            )
            #expect(
                pathParameters.allSatisfy { $0["required"] == .bool(true) },
                "\(operation.route): a path parameter is not required"
            )

            let responses = operation.body["responses"]?.object ?? [:]
            #expect(responses.keys.contains { $0.hasPrefix("2") }, "\(operation.route) has no success response")
            for (status, response) in responses {
                let response = spec.resolved(response)
                if let code = Int(status), code >= 400 {
                    #expect(
                        response?["content"]?["application/json"]?["schema"]?["$ref"]?.string
                            == "#/components/schemas/ErrorBody",
                        "\(operation.route) \(status) is not an ErrorBody"
                    )
                } else if let json = response?["content"]?["application/json"] {
                    #expect(
                        json["schema"]?["$ref"]?.string?.hasPrefix("#/components/schemas/") == true,
                        "\(operation.route) \(status) does not refer to a component schema"
                    )
                }
            }
            let success =
                spec.resolved(responses["200"] ?? .null)?["content"]?["application/json"]?["schema"]?["$ref"]?.string
                ?? ""
            if success.hasSuffix("Page") {
                #expect(
                    Set(["limit", "offset"]).isSubset(of: parameters.compactMap { $0["name"]?.string }),
                    "\(operation.route) answers a page but does not take limit and offset"
                )
            }
        }
        #expect(Set(operationIds).count == operationIds.count, "operationIds are not unique: \(operationIds.sorted())")
    }

    @Test(
        "Each DTO encodes to exactly its schema's properties, and its required ones are the non-optional ones",
        arguments: DTOSample.all
    )
    func schemaMatchesDTO(_ sample: DTOSample) throws {
        let spec = try OpenAPISpec.load()
        let schema = try #require(spec.schema(sample.schema), "openapi.yaml has no schema \(sample.schema)")
        let full = try encodeToJSON(sample.full)
        let minimal = try encodeToJSON(sample.minimal)

        #expect(
            full.keys == schema["properties"]?.keys,
            "\(sample.schema): the keys of a fully populated value are not the schema's properties"
        )
        #expect(
            minimal.keys == Set(schema["required"]?.array?.compactMap(\.string) ?? []),
            "\(sample.schema): the keys of a value with every optional nil are not the schema's required list"
        )

        // Nested objects (TelemetryDTO in ClientDTO, ParticipationDTO in RoundDTO, ContributionDTO in ModelDTO, page
        // items, ...) are checked the same way through the schemas their properties refer to, and every value's
        // JSON type against its schema's type.
        let problems =
            spec.mismatches(full, schema: schema, at: sample.schema, everyOptionalSet: true)
            + spec.mismatches(minimal, schema: schema, at: sample.schema, everyOptionalSet: false)
        #expect(problems == [], "\(problems.joined(separator: "\n"))")
    }

    @Test("Nested DTOs are described by their own component schemas", arguments: Nesting.all)
    func nestedDTOsReferToTheirSchemas(_ nesting: Nesting) throws {
        let spec = try OpenAPISpec.load()
        let property = try #require(
            spec.schema(nesting.parent)?["properties"]?[nesting.property],
            "\(nesting.parent) has no property \(nesting.property)"
        )
        let ref = property["$ref"]?.string ?? property["items"]?["$ref"]?.string
        #expect(ref == "#/components/schemas/\(nesting.child)")
    }

    @Test("Every $ref resolves to a component")
    func referencesResolve() throws {
        let spec = try OpenAPISpec.load()
        let references = allReferences(in: spec.root)
        #expect(!references.isEmpty)
        for reference in Set(references).sorted() {
            #expect(reference.hasPrefix("#/components/"), "\(reference) does not point into components")
            #expect(spec.resolve(reference) != nil, "\(reference) does not resolve")
        }
    }
}

// MARK: - Samples

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
            telemetry: telemetry
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
            clientSettings: ["epochs": .number(2)]
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
            participation: [participation]
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
            hash: hash
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
        let package = PackageDTO(id: hash, name: "mnist", size: 1024, createdAt: date)

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
                full: AuditCheckDTO(events: 12, brokenAt: 7),
                minimal: AuditCheckDTO(events: 12, brokenAt: nil)
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

/// `openapi.yaml`, parsed into `JSONValue`s.
struct OpenAPISpec {
    struct Operation {
        var method: String
        var path: String
        var body: JSONValue

        /// `GET /api/v1/sessions/{id}`, as `RouteTable.Entry` describes itself.
        var route: String { "\(self.method) \(self.path)" }
    }

    var root: JSONValue

    /// The spec two directories up from this file.
    static func load(filePath: String = #filePath) throws -> OpenAPISpec {
        let url = URL(fileURLWithPath: filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("openapi.yaml")
        let text = try String(contentsOf: url, encoding: .utf8)
        return OpenAPISpec(root: try jsonValue(fromYAML: try Yams.load(yaml: text)))
    }

    var operations: [Operation] {
        let methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]
        return (self.root["paths"]?.object ?? [:]).sorted { $0.key < $1.key }.flatMap { path, item in
            methods.compactMap { method in
                item[method].map { Operation(method: method.uppercased(), path: path, body: $0) }
            }
        }
    }

    func schema(_ name: String) -> JSONValue? {
        self.root["components"]?["schemas"]?[name]
    }

    /// The value a local reference (`#/components/schemas/RoundDTO`) points to.
    func resolve(_ reference: String) -> JSONValue? {
        guard reference.hasPrefix("#/") else { return nil }
        var value: JSONValue? = self.root
        for token in reference.dropFirst(2).split(separator: "/", omittingEmptySubsequences: false) {
            value = value?[token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")]
        }
        return value
    }

    /// `value` itself, or what its `$ref` points to.
    func resolved(_ value: JSONValue) -> JSONValue? {
        guard let reference = value["$ref"]?.string else { return value }
        return self.resolve(reference).flatMap(self.resolved)
    }

    /// Where `json` departs from `schema`: a value of the wrong JSON type, and for every object described with
    /// `properties`, keys other than its properties (`everyOptionalSet`) or its required ones (otherwise).
    func mismatches(_ json: JSONValue, schema: JSONValue, at location: String, everyOptionalSet: Bool) -> [String] {
        guard let schema = self.resolved(schema) else {
            return ["\(location): \(schema["$ref"]?.string ?? "?") does not resolve"]
        }
        let type = schema["type"]?.string
        switch (type, json) {
        case ("string", .string(let text)):
            if schema["format"]?.string == "date-time" && API.parseDate(text) == nil {
                return ["\(location): '\(text)' is not a date-time"]
            }
            return []
        case ("integer", .number(let number)) where number == number.rounded():
            return []
        case ("number", .number), ("boolean", .bool):
            return []
        case ("array", .array(let items)):
            return items.enumerated().flatMap { index, item in
                self.mismatches(
                    item,
                    schema: schema["items"] ?? .null,
                    at: "\(location)[\(index)]",
                    everyOptionalSet: everyOptionalSet
                )
            }
        case ("object", .object(let members)), (nil, .object(let members)):
            var problems: [String] = []
            if let properties = schema["properties"]?.object {
                let expected =
                    everyOptionalSet ? Set(properties.keys) : Set(schema["required"]?.array?.compactMap(\.string) ?? [])
                if Set(members.keys) != expected {
                    problems.append(
                        "\(location): keys \(members.keys.sorted()) but the schema expects \(expected.sorted())"
                    )
                }
            }
            for (key, value) in members.sorted(by: { $0.key < $1.key }) {
                guard let memberSchema = schema["properties"]?[key] ?? schema["additionalProperties"]?.objectOrNil
                else { continue }
                problems += self.mismatches(
                    value,
                    schema: memberSchema,
                    at: "\(location).\(key)",
                    everyOptionalSet: everyOptionalSet
                )
            }
            return problems
        default:
            return ["\(location): \(json) does not have the schema's type \(type ?? "(none)")"]
        }
    }
}

/// A controller over an in-memory database, for its route table.
func makeController(in path: String) throws -> Controller {
    let directory = URL(fileURLWithPath: path)
    let configuration = ControllerConfiguration(
        directory: directory,
        grpcListen: Endpoint(host: "127.0.0.1", port: 0),
        grpcSecurity: .insecure,
        httpListeners: [],
        apiToken: nil
    )
    return try Controller(
        configuration: configuration,
        database: FedgeDatabase.inMemory(),
        blobs: BlobStore(root: directory.appendingPathComponent("blobs")),
        logger: Logger(label: "fedge.test.openapi")
    )
}

/// A DTO as the API sends it.
func encodeToJSON(_ value: any Encodable) throws -> JSONValue {
    try JSONDecoder().decode(JSONValue.self, from: API.makeEncoder().encode(value))
}

/// The `{name}` parameters of an OpenAPI path.
func templateParameters(of path: String) -> [String] {
    path.split(separator: "/").filter { $0.hasPrefix("{") && $0.hasSuffix("}") }.map {
        String($0.dropFirst().dropLast())
    }
}

/// Every `$ref` string anywhere in `value`.
func allReferences(in value: JSONValue) -> [String] {
    switch value {
    case .object(let members):
        members.flatMap { key, member in key == "$ref" ? [member.string].compactMap { $0 } : allReferences(in: member) }
    case .array(let items):
        items.flatMap(allReferences)
    default:
        []
    }
}

struct UnexpectedYAML: Error, CustomStringConvertible {
    var node: String
    var description: String { "openapi.yaml holds a value that is not plain JSON: \(self.node)" }
}

/// What `Yams.load` returns (mappings, sequences, strings, numbers, booleans), as a `JSONValue`.
func jsonValue(fromYAML node: Any?) throws -> JSONValue {
    switch node {
    case nil, is NSNull: .null
    case let value as Bool: .bool(value)
    case let value as Int: .number(Double(value))
    case let value as Double: .number(value)
    case let value as String: .string(value)
    case let values as [Any]: .array(try values.map { try jsonValue(fromYAML: $0) })
    case let members as [AnyHashable: Any]:
        .object(
            try Dictionary(uniqueKeysWithValues: members.map { ("\($0.key.base)", try jsonValue(fromYAML: $0.value)) })
        )
    default: throw UnexpectedYAML(node: "\(node.map { "\($0)" } ?? "nil")")
    }
}

extension JSONValue {
    subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { members[key] } else { nil }
    }

    var object: [String: JSONValue]? {
        if case .object(let members) = self { members } else { nil }
    }

    var array: [JSONValue]? {
        if case .array(let items) = self { items } else { nil }
    }

    var string: String? {
        if case .string(let text) = self { text } else { nil }
    }

    /// The keys of an object (none for anything else).
    var keys: Set<String> {
        Set(self.object.map { Array($0.keys) } ?? [])
    }

    /// The value if it is an object (a schema), `nil` for `true`/`false` (`additionalProperties: true`).
    var objectOrNil: JSONValue? {
        if case .object = self { self } else { nil }
    }
}
