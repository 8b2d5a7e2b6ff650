import FedgeCombiner
import FedgeCore
import FedgeProto
import FedgeRPC
import FedgeTestSupport
import Foundation
import GRPCCore
import NIOConcurrencyHelpers
import SwiftProtobuf
import Synchronization
import Testing

/// A client acts only under the name its token carries; what it tries under another is refused, changes nothing,
/// and goes to the controller's audit trail through the combiner's refusal feed.
@Suite("Impersonation, in process")
struct ImpersonationTests {
    @Test("A hello under another client's name is refused; the real client stays connected")
    func helloUnderAnotherName() async throws {
        try await Federation.with(trainers: [HangingTrainer(cancelled: Atomic<Int>.Box())]) { federation in
            try await federation.waitForClients(1)
            let before = await federation.combiner.registry.snapshots()
            let token = try await federation.identities.token("mallory")
            let combiner = Fedge_V1_Combiner.Client(wrapping: federation.client)
            let outcome: Result<Void, RefusalError> = await BearerTokenInterceptor.$taskToken.withValue(token) {
                do {
                    try await combiner.connect { writer in
                        try await writer.write(.with { $0.hello = .with { $0.name = "client-1" } })
                    } onResponse: { response in
                        for try await _ in response.messages {}
                    }
                    return .success(())
                } catch {
                    return .failure(RefusalError(error) ?? RefusalError(.malformed, "not a refusal: \(error)"))
                }
            }
            #expect(outcome.refusal == .permissionDenied, "\(outcome)")
            let after = await federation.combiner.registry.snapshots()
            #expect(after.map(\.name) == ["client-1"] && after[0].id == before[0].id && after[0].connected)
            let refusal = try #require(federation.combiner.refusals.waiting.last)
            #expect(refusal.actor == "mallory" && refusal.reason == "identity_mismatch")
            #expect(refusal.action.hasSuffix("Connect") && refusal.message.contains("client-1"))
        }
    }

    @Test("An upload under another client's name, or beyond the metric limits, is refused and the task stays open")
    func uploadUnderAnotherName() async throws {
        let clock = ManualClock()
        try await Federation.with(trainers: [], clock: clock) { federation in
            let model = try federation.importModel(seedModel())
            try await RawClient.with("r1", over: federation) { r1 in
                try await RawClient.with("mallory", over: federation) { mallory in
                    try await federation.waitForClients(2)
                    async let closing = federation.combiner.runner.execute(
                        federation.plan(model, timeout: 4, minUpdates: 2)
                    )
                    let t1 = try await r1.nextTask()
                    let t2 = try await mallory.nextTask()
                    let good = try update(of: federation, t1, delta: 0.5)
                    // Mallory's token says mallory: sending r1's update as r1 is refused at the door.
                    #expect(await mallory.upload(good, for: t1) { $0.client = "r1" }.refusal == .permissionDenied)
                    let many = Dictionary(uniqueKeysWithValues: (0...MetricMap.maxEntries).map { ("m\($0)", 1.0) })
                    #expect(await mallory.upload(good, for: t2) { $0.metrics = many }.refusal == .malformed)
                    let long = String(repeating: "x", count: MetricMap.maxNameLength + 1)
                    #expect(await mallory.upload(good, for: t2) { $0.metrics = [long: 1] }.refusal == .malformed)
                    // None of it changed a thing: both tasks still take their clients' own updates.
                    #expect(await r1.upload(good, for: t1).refusal == nil)
                    #expect(await mallory.upload(good, for: t2) { $0.metrics = ["loss": 1] }.refusal == nil)
                    let result = try await closing
                    #expect(result.succeeded && result.received == 2)
                }
            }
            let waiting = federation.combiner.refusals.waiting
            #expect(waiting.count == 3, "\(waiting)")
            #expect(waiting.allSatisfy { $0.actor == "mallory" && $0.action.hasSuffix("UploadUpdate") })
            #expect(waiting.map(\.reason) == ["identity_mismatch", "malformed", "malformed"])
            #expect(federation.spoolLeftovers().isEmpty, "\(federation.spoolLeftovers())")
        }
    }

    @Test("Refusals wait for the link to the controller, the newest kept, and are handed on once connected")
    func refusalsWaitForTheLink() {
        let feed = RefusalFeed(capacity: 3, logger: Federation.logger)
        for i in 1...5 {
            feed.report(actor: "m\(i)", address: nil, action: "a", reason: "invalid_token", message: "bad")
        }
        #expect(feed.waiting.map(\.actor) == ["m3", "m4", "m5"])
        let delivered = NIOLockedValueBox<[String]>([])
        feed.connect { refusal in
            delivered.withLockedValue { $0.append(refusal.actor) }
            return true
        }
        feed.report(actor: nil, address: "10.0.0.9:5", action: "a", reason: "missing_token", message: "none")
        #expect(delivered.withLockedValue { $0 } == ["m3", "m4", "m5", "unknown"] && feed.waiting.isEmpty)
        feed.disconnect()
        feed.report(actor: "m6", address: nil, action: "a", reason: "expired_token", message: "old")
        #expect(feed.waiting.map(\.actor) == ["m6"])
    }
}
