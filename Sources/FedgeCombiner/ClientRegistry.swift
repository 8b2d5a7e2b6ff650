package import FedgeCore
import FedgeRPC
package import Foundation
package import Logging

/// The clients connected to this combiner: who they are, whether they are alive, and the way to reach them.
///
/// A client is online while heard from within the active window, stale after it, offline after the offline
/// window or when its stream closes. One that reconnects under the same name gets its old id and counters back, unless
/// it stayed away longer than the retention period: then it was forgotten (taking a snapshot sweeps them).
package actor ClientRegistry {
    /// What the registry knows of one client.
    package struct Snapshot: Sendable, Hashable {
        package var id: ClientID
        package var name: String
        package var liveness: ClientLiveness
        /// When this combiner first heard of it (since it last forgot it).
        package var firstSeen: Date
        /// When its current connection said hello; `nil` while it is not connected. A client whose connection
        /// predates an outage is not back yet, even if its old connection's queued heartbeats say it is.
        package var connectedSince: Date?
        package var lastSeen: Date
        package var runningTask: TaskID?
        package var tasksDone: Int
        package var tasksFailed: Int
        package var telemetry: Telemetry
        package var trainers: [String]

        /// Whether a connection of the client is open.
        package var connected: Bool { self.connectedSince != nil }
    }

    /// A registered connection: the client's id and the instructions to send it (the stream's handler starts
    /// their delivery once it has welcomed the client).
    package struct Connection: Sendable {
        package var clientID: ClientID
        package var name: String
        /// Distinguishes this connection from a later one of the same client.
        package var token: UUID
        package var outbox: Mailbox<ClientInstruction>
    }

    private struct Entry {
        var snapshot: Snapshot
        var token: UUID?
        var outbox: Mailbox<ClientInstruction>?
    }

    private let policy: LivenessPolicy
    private let clock: any WallClock
    private let logger: Logger
    private var entries: [ClientID: Entry] = [:]
    private var idByName: [String: ClientID] = [:]

    package init(policy: LivenessPolicy, clock: any WallClock = SystemWallClock(), logger: Logger) {
        self.policy = policy
        self.clock = clock
        self.logger = logger
    }

    /// Registers a client that said hello, replacing an earlier connection under the same name.
    package func connect(name: String, trainers: [String]) -> Connection {
        let outbox = Mailbox<ClientInstruction>()
        let token = UUID()
        let id = self.idByName[name] ?? ClientID("client-\(UUID().uuidString.prefix(8).lowercased())")
        self.idByName[name] = id
        if var entry = self.entries[id] {
            entry.outbox?.finish()
            entry.outbox = outbox
            entry.token = token
            entry.snapshot.connectedSince = self.clock.date
            entry.snapshot.lastSeen = self.clock.date
            entry.snapshot.runningTask = nil
            entry.snapshot.trainers = trainers
            self.entries[id] = entry
            self.logger.info("Client reconnected", metadata: ["fedge.client": "\(name)", "fedge.client.id": "\(id)"])
        } else {
            self.entries[id] = Entry(
                snapshot: Snapshot(
                    id: id,
                    name: name,
                    liveness: .online,
                    firstSeen: self.clock.date,
                    connectedSince: self.clock.date,
                    lastSeen: self.clock.date,
                    runningTask: nil,
                    tasksDone: 0,
                    tasksFailed: 0,
                    telemetry: Telemetry(),
                    trainers: trainers
                ),
                token: token,
                outbox: outbox
            )
            self.logger.info("Client connected", metadata: ["fedge.client": "\(name)", "fedge.client.id": "\(id)"])
        }
        return Connection(clientID: id, name: name, token: token, outbox: outbox)
    }

    /// Notes that the client was heard from.
    package func heard(_ connection: Connection) {
        guard self.entries[connection.clientID]?.token == connection.token else { return }
        self.entries[connection.clientID]?.snapshot.lastSeen = self.clock.date
    }

    /// Records a heartbeat. (The task a client runs is the one this combiner assigned it, not what it reports.)
    package func heartbeat(_ connection: Connection, telemetry: Telemetry) {
        guard self.entries[connection.clientID]?.token == connection.token else { return }
        self.entries[connection.clientID]?.snapshot.lastSeen = self.clock.date
        self.entries[connection.clientID]?.snapshot.telemetry = telemetry
    }

    /// Counts a finished task.
    package func taskFinished(clientID: ClientID, succeeded: Bool) {
        if succeeded {
            self.entries[clientID]?.snapshot.tasksDone += 1
        } else {
            self.entries[clientID]?.snapshot.tasksFailed += 1
        }
    }

    /// Marks the connection closed; a later connection of the same client is left alone.
    ///
    /// - Returns: whether `connection` was the client's current one (`false` when a later one replaced it).
    @discardableResult
    package func disconnect(_ connection: Connection) -> Bool {
        guard var entry = self.entries[connection.clientID], entry.token == connection.token else { return false }
        entry.outbox?.finish()
        entry.outbox = nil
        entry.token = nil
        entry.snapshot.connectedSince = nil
        self.entries[connection.clientID] = entry
        self.logger.info(
            "Client disconnected",
            metadata: ["fedge.client": "\(connection.name)", "fedge.client.id": "\(connection.clientID)"]
        )
        return true
    }

    /// Sends `command` to the client; `false` when it is not connected.
    @discardableResult
    package func send(_ command: ClientInstruction, to clientID: ClientID) -> Bool {
        guard let outbox = self.entries[clientID]?.outbox else { return false }
        if case .run(let task) = command {
            self.entries[clientID]?.snapshot.runningTask = task.id
        }
        return outbox.send(command)
    }

    /// Every client, with its liveness judged at `now` (the clock's now by default).
    package func snapshots(now: Date? = nil) -> [Snapshot] {
        let now = now ?? self.clock.date
        self.forgetLongGone(now: now)
        return self.entries.values.map { entry in
            var snapshot = entry.snapshot
            snapshot.liveness = self.liveness(of: snapshot, now: now)
            return snapshot
        }.sorted { $0.name < $1.name }
    }

    /// Clients that may take a task now: online and not running one.
    package func eligible(now: Date? = nil) -> [Snapshot] {
        self.snapshots(now: now).filter { $0.liveness == .online && $0.runningTask == nil }
    }

    /// The client's name, for logs.
    package func name(of clientID: ClientID) -> String? { self.entries[clientID]?.snapshot.name }

    /// Marks the client's task done, so it counts as idle before its next heartbeat says so.
    package func clearRunningTask(clientID: ClientID, taskID: TaskID) {
        if self.entries[clientID]?.snapshot.runningTask == taskID {
            self.entries[clientID]?.snapshot.runningTask = nil
        }
    }

    /// Forgets the clients offline for longer than the retention period (a connected client that stopped
    /// talking counts from when it was last heard).
    private func forgetLongGone(now: Date) {
        let retention = self.policy.retention.inSeconds
        let gone = self.entries.values.filter { entry in
            entry.snapshot.runningTask == nil
                && (!entry.snapshot.connected
                    || now.timeIntervalSince(entry.snapshot.lastSeen) > self.policy.offlineWindow.inSeconds)
                && now.timeIntervalSince(entry.snapshot.lastSeen) > retention
        }
        for entry in gone {
            entry.outbox?.finish()
            self.entries[entry.snapshot.id] = nil
            self.idByName[entry.snapshot.name] = nil
            self.logger.info(
                "Client forgotten after the retention period",
                metadata: ["fedge.client": "\(entry.snapshot.name)", "fedge.client.id": "\(entry.snapshot.id)"]
            )
        }
    }

    private func liveness(of snapshot: Snapshot, now: Date) -> ClientLiveness {
        guard snapshot.connected else { return .offline }
        let silent = now.timeIntervalSince(snapshot.lastSeen)
        if silent <= self.policy.activeWindow.inSeconds { return .online }
        if silent <= self.policy.offlineWindow.inSeconds { return .stale }
        return .offline
    }

}
