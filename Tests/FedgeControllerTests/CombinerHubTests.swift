import FedgeController
import FedgeCore
import FedgeTestSupport
import Foundation
import NIOConcurrencyHelpers
import Testing

/// Records what the hub tells its observer.
final class RecordingObserver: CombinerHubObserver {
    let events = NIOLockedValueBox<[String]>([])

    func combinerAttached(name: String, address: String) async {
        self.events.withLockedValue { $0.append("attached \(name)") }
    }
    func combinerDetached(name: String) async { self.events.withLockedValue { $0.append("detached \(name)") } }
    func clientsReported(combiner: String, clients: [CombinerClient]) async {
        self.events.withLockedValue { $0.append("clients \(combiner) \(clients.count)") }
    }
}

@Suite("Combiner hub, on a test clock")
struct CombinerHubTests {
    static let model = ModelID(digestBytes: [UInt8](repeating: 3, count: 32))

    static func plan(round: Int = 1, deadline: Date) -> RoundPlan {
        RoundPlan(
            session: "s",
            round: round,
            kind: .train,
            model: Self.model,
            modelSize: 10,
            quota: 0,
            deadline: deadline,
            bufferSize: 0,
            minUpdates: 1,
            clientSettingsJSON: "{}",
            aggregator: .fedavg,
            aggregatorParameters: [:]
        )
    }

    static func client(_ name: String, _ liveness: ClientLiveness = .online, at date: Date) -> CombinerClient {
        CombinerClient(name: name, liveness: liveness, lastSeen: date, tasksDone: 0, tasksFailed: 0, telemetry: nil)
    }

    @Test(
        "A combiner that does not report by the deadline (plus grace) fails the round; one that did keeps its outcome"
    )
    func deadlineExpiresSilentCombiners() async throws {
        let clock = ManualClock()
        let hub = CombinerHub(observer: RecordingObserver(), clock: clock, logger: testLogger)
        let (_, commandsA) = try await hub.attach(name: "a", address: "a:1", liveWindow: .seconds(1))
        let (_, commandsB) = try await hub.attach(name: "b", address: "b:1", liveWindow: .seconds(1))
        let until = clock.date.addingTimeInterval(60)
        let run = Task {
            await hub.run(plans: ["a": Self.plan(deadline: until), "b": Self.plan(deadline: until)], until: until)
        }
        var a = commandsA.makeAsyncIterator()
        var b = commandsB.makeAsyncIterator()
        #expect(await a.next() == .plan(Self.plan(deadline: until)))
        #expect(await b.next() == .plan(Self.plan(deadline: until)))
        await hub.outcome(
            name: "a",
            session: "s",
            round: 1,
            outcome: CombinerOutcome(combiner: "a", succeeded: true, reason: "ok", partial: nil, updates: 2)
        )
        try await clock.waitForSleepers()
        clock.advance(by: .seconds(59))
        #expect(await hub.expects(name: "b", session: "s", round: 1))
        clock.advance(by: .seconds(2))
        let outcomes = await run.value
        #expect(outcomes["a"]?.succeeded == true && outcomes["a"]?.updates == 2)
        #expect(outcomes["b"]?.succeeded == false)
        #expect(outcomes["b"]?.reason == "the combiner did not report before the deadline")
    }

    @Test("A partial is taken only from a combiner of the open round that has not reported, up to twice the model")
    func partialLimits() async throws {
        let clock = ManualClock()
        let hub = CombinerHub(observer: RecordingObserver(), clock: clock, logger: testLogger)
        let (_, commandsA) = try await hub.attach(name: "a", address: "a:1", liveWindow: .seconds(1))
        _ = try await hub.attach(name: "c", address: "c:1", liveWindow: .seconds(1))
        #expect(await hub.partialLimit(name: "a", session: "s", round: 1) == nil, "no round is open")
        let until = clock.date.addingTimeInterval(60)
        let run = Task { await hub.run(plans: ["a": Self.plan(deadline: until)], until: until) }
        var a = commandsA.makeAsyncIterator()
        _ = await a.next()
        // The plan's model has 10 bytes: sums in double precision (twice that), plus room for the contributions.
        #expect(await hub.partialLimit(name: "a", session: "s", round: 1) == 2 * 10 + 64 << 20)
        #expect(await hub.partialLimit(name: "c", session: "s", round: 1) == nil, "c has no part in the round")
        #expect(await hub.partialLimit(name: "a", session: "s", round: 2) == nil, "another round")
        await hub.outcome(
            name: "a",
            session: "s",
            round: 1,
            outcome: CombinerOutcome(combiner: "a", succeeded: true, reason: "ok", partial: nil, updates: 1)
        )
        #expect(await hub.partialLimit(name: "a", session: "s", round: 1) == nil, "a reported already")
        _ = await run.value
    }

    @Test("A combiner that goes away during a round fails it at once, without waiting for the deadline")
    func detachFailsTheRound() async throws {
        let clock = ManualClock()
        let observer = RecordingObserver()
        let hub = CombinerHub(observer: observer, clock: clock, logger: testLogger)
        let (connection, _) = try await hub.attach(name: "a", address: "a:1", liveWindow: .seconds(1))
        let until = clock.date.addingTimeInterval(600)
        let run = Task { await hub.run(plans: ["a": Self.plan(deadline: until)], until: until) }
        try await clock.waitForSleepers()
        await hub.detach(name: "a", connection: connection)
        let outcomes = await run.value
        #expect(outcomes["a"]?.reason == "the combiner went away during the round")
        #expect(observer.events.withLockedValue { $0 } == ["attached a", "detached a"])
    }

    @Test("Stopping the round tells every combiner still working to cancel it")
    func cancellationReachesCombiners() async throws {
        let clock = ManualClock()
        let hub = CombinerHub(observer: RecordingObserver(), clock: clock, logger: testLogger)
        let (_, commands) = try await hub.attach(name: "a", address: "a:1", liveWindow: .seconds(1))
        let until = clock.date.addingTimeInterval(600)
        let run = Task { await hub.run(plans: ["a": Self.plan(deadline: until)], until: until) }
        var iterator = commands.makeAsyncIterator()
        _ = await iterator.next()
        try await clock.waitForSleepers()
        run.cancel()
        #expect(await iterator.next() == .cancel(session: "s", round: 1, reason: "the session was stopped"))
        #expect(await run.value["a"]?.reason == "the round was cancelled")
    }

    @Test(
        "Assignment: the preferred combiner, else the client's own, else the least loaded (counting recent assignments)"
    )
    func assignment() async throws {
        let clock = ManualClock()
        let hub = CombinerHub(observer: RecordingObserver(), clock: clock, logger: testLogger)
        let (a, _) = try await hub.attach(name: "a", address: "a:1", liveWindow: .seconds(1))
        let (b, _) = try await hub.attach(name: "b", address: "b:1", liveWindow: .seconds(1))
        await hub.heartbeat(
            name: "a",
            connection: a,
            clients: [Self.client("x", at: clock.date), Self.client("y", at: clock.date)]
        )
        await hub.heartbeat(name: "b", connection: b, clients: [Self.client("z", at: clock.date)])
        #expect(await hub.assign(clientName: "x", preferred: "b")?.name == "b")
        #expect(await hub.assign(clientName: "x", preferred: nil)?.name == "a")
        #expect(await hub.assign(clientName: "x", preferred: "gone")?.name == "a")
        // Load is online clients plus assignments since the last heartbeat: a 2 + 2, b 1 + 1.
        #expect(await hub.assign(clientName: "new-1", preferred: nil)?.name == "b")
        #expect(await hub.assign(clientName: "new-2", preferred: nil)?.name == "b")
        // Now 4 and 4: a tie goes to the first by name.
        #expect(await hub.assign(clientName: "new-3", preferred: nil)?.name == "a")
        // A heartbeat resets recent assignments and stamps the clock's time.
        clock.advance(by: .seconds(5))
        await hub.heartbeat(name: "b", connection: b, clients: [])
        let attachments = await hub.attachments()
        #expect(attachments.map(\.name) == ["a", "b"])
        #expect(attachments[1].recentAssignments == 0 && attachments[1].lastSeen == clock.date)
    }

    @Test(
        "A second attach under a live name is refused; once the first went silent it replaces it, and the stale connection's heartbeat or detach does not touch the new one"
    )
    func reattachReplaces() async throws {
        let clock = ManualClock()
        let hub = CombinerHub(observer: RecordingObserver(), clock: clock, logger: testLogger)
        let (old, oldCommands) = try await hub.attach(name: "a", address: "a:1", liveWindow: .seconds(1))
        await #expect(throws: RefusalError.self) {
            _ = try await hub.attach(name: "a", address: "evil:1", liveWindow: .seconds(1))
        }
        #expect(await hub.attachments().map(\.address) == ["a:1"], "the live combiner is untouched")
        clock.advance(by: .seconds(2))
        let (new, _) = try await hub.attach(name: "a", address: "a:2", liveWindow: .seconds(1))
        var iterator = oldCommands.makeAsyncIterator()
        #expect(await iterator.next() == nil, "the replaced stream is finished")
        await hub.heartbeat(name: "a", connection: old, clients: [Self.client("x", at: Date())])
        await hub.detach(name: "a", connection: old)
        let attachments = await hub.attachments()
        #expect(attachments.count == 1 && attachments[0].address == "a:2" && attachments[0].clients.isEmpty)
        #expect(attachments[0].connection == new)
    }
}
