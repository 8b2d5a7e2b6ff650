package import FedgeCore

/// The bookkeeping of one open round, as a value: which tasks were assigned, which updates arrived, and when the
/// round closes. It performs no I/O; `RoundRunner` acts on the decisions it returns.
package struct RoundStateMachine: Sendable {
    /// Where one task stands.
    package enum Phase: Sendable, Hashable {
        case assigned
        /// An upload was admitted and is streaming in.
        case uploading
        case received
        case failed
    }

    /// What to do after an event.
    package enum Decision: Sendable, Hashable {
        case keepWaiting
        case close(succeeded: Bool, reason: String)
    }

    package let session: SessionID
    package let round: Int
    /// Close once this many updates arrived.
    package let bufferSize: Int
    /// The fewest updates for the round to count.
    package let minUpdates: Int
    package private(set) var tasks: [TaskID: (client: ClientID, phase: Phase)] = [:]
    package private(set) var received = 0
    package private(set) var failed = 0
    package private(set) var closed: Decision? = nil

    /// A round over `tasks` (task id → client id). `bufferSize` 0 means every task.
    package init(session: SessionID, round: Int, tasks: [TaskID: ClientID], bufferSize: Int, minUpdates: Int) {
        self.session = session
        self.round = round
        self.tasks = tasks.mapValues { ($0, .assigned) }
        let all = tasks.count
        self.bufferSize = bufferSize <= 0 ? all : min(bufferSize, all)
        self.minUpdates = max(0, minUpdates)
    }

    package var selected: Int { self.tasks.count }

    /// Lets an upload for `taskID` from `client` begin.
    ///
    /// - Throws: `.staleRound` when the round is closed or the task belongs to another round, `.unknownTask`,
    ///   `.notAssigned`, `.duplicate`.
    package mutating func admit(taskID: TaskID, session: SessionID, round: Int, client: ClientID) throws(RefusalError) {
        guard session == self.session, round == self.round else {
            throw RefusalError(
                .staleRound,
                "task \(taskID) is for round \(session)/\(round); round \(self.session)/\(self.round) is open"
            )
        }
        guard self.closed == nil else {
            throw RefusalError(.staleRound, "round \(self.session)/\(self.round) is already closed")
        }
        guard let task = self.tasks[taskID] else {
            throw RefusalError(.unknownTask, "no task \(taskID) in round \(self.session)/\(self.round)")
        }
        guard task.client == client else {
            throw RefusalError(.notAssigned, "task \(taskID) was assigned to another client")
        }
        switch task.phase {
        case .assigned, .failed:
            if task.phase == .failed { self.failed -= 1 }
            self.tasks[taskID]?.phase = .uploading
        case .uploading:
            throw RefusalError(.duplicate, "an update for task \(taskID) is already being received")
        case .received:
            throw RefusalError(.duplicate, "an update for task \(taskID) was already accepted")
        }
    }

    /// An admitted upload broke off or was refused: the task may try again.
    package mutating func uploadAbandoned(taskID: TaskID) {
        if self.tasks[taskID]?.phase == .uploading { self.tasks[taskID]?.phase = .assigned }
    }

    /// The update for `taskID` was accepted (or, for validation, its report arrived).
    package mutating func accepted(taskID: TaskID) -> Decision {
        guard let phase = self.tasks[taskID]?.phase, phase != .received else { return self.closed ?? .keepWaiting }
        if phase == .failed { self.failed -= 1 }
        self.tasks[taskID]?.phase = .received
        self.received += 1
        return self.decide()
    }

    /// The task failed, was cancelled, or its client went away.
    package mutating func taskFailed(taskID: TaskID) -> Decision {
        guard self.tasks[taskID]?.phase == .assigned else { return self.closed ?? .keepWaiting }
        self.tasks[taskID]?.phase = .failed
        self.failed += 1
        return self.decide()
    }

    /// The deadline passed: the round closes with what arrived.
    package mutating func deadlinePassed() -> Decision {
        if let closed { return closed }
        let decision: Decision =
            self.received >= self.minUpdates
            ? .close(succeeded: true, reason: "deadline passed with \(self.received) of \(self.selected) updates")
            : .close(
                succeeded: false,
                reason: "deadline passed with \(self.received) updates; the round needs \(self.minUpdates)"
            )
        self.closed = decision
        return decision
    }

    /// The round was cancelled (by the controller, or because the combiner lost it): it closes as failed.
    package mutating func cancel(reason: String) -> Decision {
        if let closed { return closed }
        let decision = Decision.close(succeeded: false, reason: "cancelled: \(reason)")
        self.closed = decision
        return decision
    }

    /// Tasks still expected (assigned or uploading).
    package var outstanding: [TaskID] {
        self.tasks.filter { $0.value.phase == .assigned || $0.value.phase == .uploading }.map(\.key)
    }

    private mutating func decide() -> Decision {
        if let closed { return closed }
        if self.received >= self.bufferSize && self.received >= self.minUpdates {
            let decision = Decision.close(
                succeeded: true,
                reason: "\(self.received) of \(self.selected) updates arrived"
            )
            self.closed = decision
            return decision
        }
        if self.received + self.failed == self.selected {
            let decision: Decision =
                self.received >= self.minUpdates
                ? .close(succeeded: true, reason: "every task ended: \(self.received) updates, \(self.failed) failed")
                : .close(
                    succeeded: false,
                    reason: "every task ended with \(self.received) updates; the round needs \(self.minUpdates)"
                )
            self.closed = decision
            return decision
        }
        return .keepWaiting
    }
}
