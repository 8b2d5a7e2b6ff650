import FedgeCombiner
import FedgeCore
import FedgeTestSupport
import Foundation
import Testing

@Suite("Client registry, on a test clock")
struct ClientRegistryTests {
    static func registry(_ clock: ManualClock) -> ClientRegistry {
        ClientRegistry(
            policy: LivenessPolicy(activeWindow: .seconds(10), offlineWindow: .seconds(60)),
            clock: clock,
            logger: Federation.logger
        )
    }

    @Test("Online, stale after the active window, offline after the offline window; a heartbeat brings it back")
    func livenessFollowsTheClock() async {
        let clock = ManualClock()
        let registry = Self.registry(clock)
        let connection = await registry.connect(name: "a", trainers: ["noop"])
        #expect(await registry.snapshots().map(\.liveness) == [.online])
        clock.advance(by: .seconds(11))
        #expect(await registry.snapshots().map(\.liveness) == [.stale])
        #expect(await registry.eligible().isEmpty)
        clock.advance(by: .seconds(50))
        #expect(await registry.snapshots().map(\.liveness) == [.offline])
        await registry.heartbeat(connection, telemetry: Telemetry())
        #expect(await registry.snapshots().map(\.liveness) == [.online])
        #expect(await registry.snapshots()[0].lastSeen == clock.date)
    }

    @Test("A client that reconnects keeps its id and counters; the old connection can no longer touch it")
    func reconnectKeepsIdentity() async {
        let clock = ManualClock()
        let registry = Self.registry(clock)
        let first = await registry.connect(name: "a", trainers: [])
        await registry.taskFinished(clientID: first.clientID, succeeded: true)
        await registry.taskFinished(clientID: first.clientID, succeeded: false)
        let second = await registry.connect(name: "a", trainers: [])
        #expect(second.clientID == first.clientID)
        #expect(await !registry.disconnect(first), "the replaced connection's close is not the client's")
        let snapshot = await registry.snapshots()[0]
        #expect(snapshot.connected && snapshot.tasksDone == 1 && snapshot.tasksFailed == 1)
        clock.advance(by: .seconds(30))
        await registry.heartbeat(first, telemetry: Telemetry())
        #expect(await registry.snapshots()[0].liveness == .stale, "a heartbeat on the replaced connection is ignored")
        #expect(await registry.disconnect(second))
        #expect(await registry.snapshots()[0].liveness == .offline)
        #expect(await !registry.send(.cancel(taskID: "t", reason: "x"), to: second.clientID))
    }

    @Test("First seen stays; connected-since is the current connection's hello, and none while disconnected")
    func connectionTimes() async throws {
        let clock = ManualClock()
        let registry = Self.registry(clock)
        let start = clock.date
        let first = await registry.connect(name: "a", trainers: [])
        clock.advance(by: .seconds(3))
        await registry.heartbeat(first, telemetry: Telemetry())
        var snapshot = try #require(await registry.snapshots().first)
        #expect(snapshot.firstSeen == start && snapshot.connectedSince == start && snapshot.lastSeen > start)
        clock.advance(by: .seconds(4))
        let second = await registry.connect(name: "a", trainers: [])
        #expect(await !registry.disconnect(first), "the old connection's close leaves the new one's time alone")
        snapshot = try #require(await registry.snapshots().first)
        #expect(snapshot.firstSeen == start && snapshot.connectedSince == start.addingTimeInterval(7))
        await registry.disconnect(second)
        snapshot = try #require(await registry.snapshots().first)
        #expect(snapshot.firstSeen == start && snapshot.connectedSince == nil)
    }

    @Test("A client gone longer than the retention period is forgotten; one still connected or back in time is kept")
    func longGoneClientsAreForgotten() async {
        let clock = ManualClock()
        let registry = ClientRegistry(
            policy: LivenessPolicy(activeWindow: .seconds(10), offlineWindow: .seconds(60), retention: .seconds(3600)),
            clock: clock,
            logger: Federation.logger
        )
        let gone = await registry.connect(name: "gone", trainers: [])
        await registry.taskFinished(clientID: gone.clientID, succeeded: true)
        let back = await registry.connect(name: "back", trainers: [])
        let steady = await registry.connect(name: "steady", trainers: [])
        await registry.disconnect(gone)
        await registry.disconnect(back)
        clock.advance(by: .seconds(3000))
        _ = await registry.connect(name: "back", trainers: [])
        await registry.heartbeat(steady, telemetry: Telemetry())
        clock.advance(by: .seconds(700))
        #expect(await registry.snapshots().map(\.name) == ["back", "steady"])
        let again = await registry.connect(name: "gone", trainers: [])
        let snapshot = await registry.snapshots().first { $0.name == "gone" }
        #expect(again.clientID != gone.clientID && snapshot?.tasksDone == 0, "a forgotten client starts afresh")
    }

    @Test("A client running a task is not eligible until the task is cleared")
    func runningClientsAreBusy() async {
        let registry = Self.registry(ManualClock())
        let connection = await registry.connect(name: "a", trainers: [])
        let task = TrainingTask(
            id: "t1",
            session: "s",
            round: 1,
            kind: .train,
            model: ModelID(digestBytes: [UInt8](repeating: 1, count: 32)),
            modelSize: 1,
            clientSettingsJSON: "{}",
            deadline: Date()
        )
        #expect(await registry.send(.run(task), to: connection.clientID))
        #expect(await registry.eligible().isEmpty)
        await registry.clearRunningTask(clientID: connection.clientID, taskID: "other")
        #expect(await registry.eligible().isEmpty)
        await registry.clearRunningTask(clientID: connection.clientID, taskID: "t1")
        #expect(await registry.eligible().map(\.name) == ["a"])
    }
}
