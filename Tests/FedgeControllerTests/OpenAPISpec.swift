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

/// `openapi.yaml`, parsed into `JSONValue`s.
struct OpenAPISpec {
    struct Operation {
        var method: String
        var path: String
        var body: JSONValue

        /// `GET /api/v1/sessions/{id}`, as the route list of Hummingbird's router describes it.
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
func makeController(in path: String) async throws -> Controller {
    let directory = URL(fileURLWithPath: path)
    let configuration = ControllerConfiguration(
        directory: directory,
        grpcListen: Endpoint(host: "127.0.0.1", port: 0),
        grpcSecurity: .insecure,
        httpListeners: [],
        keys: try await SecurityKeys.ensure(in: directory.appendingPathComponent("pki"))
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
