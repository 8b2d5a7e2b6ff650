import FedgeAPIModels
import FedgeController
import FedgeProto
import FedgeSecurity
import FedgeServerKit
import FedgeStore
import FedgeTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// The one access matrix, checked against every route the controller serves and every gRPC method: a route or
/// method without a rule fails here, and every role gets exactly what the matrix gives it.
@Suite("The access matrix")
struct AccessMatrixTests {
    @Test("Every REST route has a rule, and every role is admitted or refused on it exactly as the matrix says")
    func everyRoleOnEveryRoute() async throws {
        try await withTemporaryDirectory { dir in
            let controller = try await makeController(in: dir)
            let router = ControllerAPI(controller: controller).router(controlSocket: false)
            let issuer = controller.configuration.keys.issuer
            var tokens: [Role: String] = [:]
            for role in Role.allCases {
                tokens[role] = try await issuer.issue(subject: "who-\(role)", role: role, ttl: .seconds(600)).token
            }
            let issued = tokens
            let routes = router.routes.map { (method: "\($0.method)", template: "\($0.path)") }
            #expect(routes.count >= 30)
            let app = Application(router: router)
            try await app.test(.router) { client in
                for route in routes {
                    let permission = try RouteRules.permission(method: route.method, template: route.template)
                    let path = Self.concrete(route.template)
                    let method = HTTPRequest.Method(route.method)!
                    // Without a token: only /health answers.
                    let anonymous = try await client.execute(uri: path, method: method)
                    if permission == nil {
                        #expect(anonymous.status == .ok)
                        continue
                    }
                    #expect(anonymous.status == .unauthorized, "\(route) without a token")
                    for role in Role.allCases {
                        let allowed = AccessPolicy.allows(role, permission!)
                        // The live event stream never ends: only its refusals are checked.
                        if allowed && route.template.hasSuffix("/stream") { continue }
                        let response = try await client.execute(
                            uri: path,
                            method: method,
                            headers: [.authorization: "Bearer \(issued[role]!)"]
                        )
                        if allowed {
                            #expect(
                                response.status != .unauthorized && response.status != .forbidden,
                                "\(role) on \(route): \(response.status)"
                            )
                        } else {
                            #expect(response.status == .forbidden, "\(role) on \(route): \(response.status)")
                        }
                    }
                }
            }
        }
    }

    @Test("Forged, expired, revoked and garbled tokens are refused and recorded; refusals change no state")
    func badTokens() async throws {
        try await withTemporaryDirectory { dir in
            let controller = try await makeController(in: dir)
            let admin = Identity(name: "root", role: .admin)
            let (good, record) = try await controller.createToken(
                name: "alice",
                role: .operator,
                ttl: .seconds(600),
                by: admin
            )
            let forger = try await TokenIssuer(privateKeyPEM: TokenIssuer.makePrivateKeyPEM())
            let forged = try await forger.issue(subject: "alice", role: .admin, ttl: .seconds(600)).token
            let expired = try await controller.configuration.keys.issuer.issue(
                subject: "bob",
                role: .admin,
                ttl: .seconds(60),
                now: Date().addingTimeInterval(-3600)
            ).token
            let app = Application(router: ControllerAPI(controller: controller).router(controlSocket: false))
            try await app.test(.router) { client in
                func status(_ token: String) async throws -> HTTPResponse.Status {
                    try await client.execute(
                        uri: API.sessions,
                        method: .post,
                        headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                        body: ByteBuffer(string: "{}")
                    ).status
                }
                let eventsBefore = try await controller.database.auditEventCount()
                #expect(try await status(forged) == .unauthorized)
                #expect(try await status(expired) == .unauthorized)
                #expect(try await status("not.a.token") == .unauthorized)
                _ = try await controller.revokeToken(record.id, by: admin)
                #expect(try await status(good) == .unauthorized)
                // Nothing changed but the audit trail: no session was made, and each refusal is an event.
                #expect(try await controller.database.sessions(ListQuery()).total == 0)
                let refused = try await controller.database.auditEvents(
                    ListQuery(filters: ["outcome": AuditEventRecord.refused])
                ).items
                #expect(refused.count == 4, "\(refused.map(\.message))")
                #expect(refused.contains { $0.actor == "alice" && $0.message.contains("revoked") })
                #expect(try await controller.database.auditEventCount() > eventsBefore)
                #expect(try await controller.database.verifyAuditTrail() == nil)
            }
        }
    }

    @Test("Every gRPC method of every service has a rule, and only its own node role may call it")
    func everyMethodHasARule() throws {
        let methods =
            Fedge_V1_Controller.Method.descriptors + Fedge_V1_Combiner.Method.descriptors
            + Fedge_V1_ModelTransfer.Method.descriptors
        for method in methods.map(\.fullyQualifiedMethod) {
            let allowed = try Role.allCases.filter { try RPCRules.allows($0, method: method) }
            #expect(!allowed.isEmpty && allowed.allSatisfy(\.isNode), "\(method): \(allowed)")
        }
        #expect(throws: AccessError.self) { try RPCRules.allows(.admin, method: "fedge.v1.Controller/NewMethod") }
    }

    /// A route template with its parameters filled in.
    static func concrete(_ template: String) -> String {
        template.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.hasPrefix(":") || part.hasPrefix("{") ? (part.contains("number") ? "1" : "x") : String(part)
        }.joined(separator: "/")
    }

    @Test("man/fedge.1 prints the matrix exactly as the code has it: every permission, every role's yes or -")
    func manPageHasTheMatrix() throws {
        let page = try String(contentsOfFile: ExternalTools.repositoryRoot + "/man/fedge.1", encoding: .utf8)
            .replacingOccurrences(of: "\\-", with: "-")
        let lines = Set(page.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
        for row in AccessPolicy.table().split(separator: "\n") {
            // The page leaves the summaries out of the table (they follow it as a list).
            let cells = row.split(separator: " ").prefix(1 + Role.allCases.count).joined(separator: " ")
            let printed = lines.contains { $0.split(separator: " ").joined(separator: " ") == cells }
            #expect(printed, "man/fedge.1 lacks the row '\(cells)'")
        }
        for permission in Permission.allCases { #expect(page.contains(permission.summary), "\(permission)") }
        #expect(page.contains("grants admin to whoever can open it"))
    }
}
