import FedgeAPIModels
import FedgeController
import FedgeRPC
import FedgeSecurity
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
            // The access matrix's key for a route is OpenAPI's `METHOD /path/{param}`.
            try await ControllerAPI(controller: makeController(in: path)).router(controlSocket: true).routes.map {
                RouteRules.key(method: "\($0.method)", template: "\($0.path)")
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

    @Test("Each request body takes exactly its schema's properties, and the schema refuses any other")
    func requestBodiesMatch() throws {
        let spec = try OpenAPISpec.load()
        let bodies: [(any APIRequestBody.Type, String)] = [
            (ActivateModelRequest.self, "ActivateModelRequest"), (CreateTokenRequest.self, "CreateTokenRequest"),
            (EnrollRequest.self, "EnrollRequest"), (SessionConfigDTO.self, "SessionConfigDTO"),
        ]
        for (type, name) in bodies {
            let schema = try #require(spec.schema(name))
            #expect(Set(schema["properties"]?.object?.keys.map { $0 } ?? []) == Set(type.fields), "\(name)")
            #expect(schema["additionalProperties"] == .bool(false), "\(name) should say additionalProperties: false")
        }
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
