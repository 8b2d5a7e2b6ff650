import FedgeCombiner
import FedgeCore
import Testing

@Suite("Round state machine")
struct RoundStateMachineTests {
    static func machine(tasks: Int = 3, buffer: Int = 0, minimum: Int = 1) -> RoundStateMachine {
        RoundStateMachine(
            session: "s",
            round: 1,
            tasks: Dictionary(uniqueKeysWithValues: (1...tasks).map { (TaskID("t\($0)"), ClientID("c\($0)")) }),
            bufferSize: buffer,
            minUpdates: minimum
        )
    }

    @Test("Closes when every update arrived")
    func closesWhenAllArrive() throws {
        var machine = Self.machine()
        for i in 1...3 {
            try machine.admit(taskID: TaskID("t\(i)"), session: "s", round: 1, client: ClientID("c\(i)"))
            let decision = machine.accepted(taskID: TaskID("t\(i)"))
            #expect(decision == (i == 3 ? .close(succeeded: true, reason: "3 of 3 updates arrived") : .keepWaiting))
        }
        #expect(machine.received == 3 && machine.outstanding.isEmpty)
    }

    @Test("A full buffer closes the round early; later uploads are stale")
    func bufferClosesEarly() throws {
        var machine = Self.machine(tasks: 4, buffer: 2)
        try machine.admit(taskID: "t1", session: "s", round: 1, client: "c1")
        #expect(machine.accepted(taskID: "t1") == .keepWaiting)
        try machine.admit(taskID: "t2", session: "s", round: 1, client: "c2")
        #expect(machine.accepted(taskID: "t2") == .close(succeeded: true, reason: "2 of 4 updates arrived"))
        #expect(throws: RefusalError.self) { try machine.admit(taskID: "t3", session: "s", round: 1, client: "c3") }
        #expect(Set(machine.outstanding) == ["t3", "t4"])
    }

    @Test("Refusals: another round, an unknown task, another client's task, a duplicate")
    func admissionRefusals() throws {
        var machine = Self.machine()
        func refusal(_ body: () throws -> Void) -> Refusal? {
            do { try body() } catch { return (error as? RefusalError)?.refusal }
            return nil
        }
        #expect(refusal { try machine.admit(taskID: "t1", session: "s", round: 2, client: "c1") } == .staleRound)
        #expect(refusal { try machine.admit(taskID: "t1", session: "other", round: 1, client: "c1") } == .staleRound)
        #expect(refusal { try machine.admit(taskID: "t9", session: "s", round: 1, client: "c1") } == .unknownTask)
        #expect(refusal { try machine.admit(taskID: "t1", session: "s", round: 1, client: "c2") } == .notAssigned)
        try machine.admit(taskID: "t1", session: "s", round: 1, client: "c1")
        #expect(refusal { try machine.admit(taskID: "t1", session: "s", round: 1, client: "c1") } == .duplicate)
        _ = machine.accepted(taskID: "t1")
        #expect(refusal { try machine.admit(taskID: "t1", session: "s", round: 1, client: "c1") } == .duplicate)
        // None of the refusals changed the counts.
        #expect(machine.received == 1 && machine.failed == 0)
    }

    @Test("An abandoned upload may be tried again; a failed task that uploads after all counts as received")
    func abandonAndRecover() throws {
        var machine = Self.machine(tasks: 2, minimum: 2)
        try machine.admit(taskID: "t1", session: "s", round: 1, client: "c1")
        machine.uploadAbandoned(taskID: "t1")
        try machine.admit(taskID: "t1", session: "s", round: 1, client: "c1")
        #expect(machine.accepted(taskID: "t1") == .keepWaiting)
        #expect(
            machine.taskFailed(taskID: "t2")
                == .close(succeeded: false, reason: "every task ended with 1 updates; the round needs 2")
        )
        #expect(machine.failed == 1)
    }

    @Test("Failures: enough updates still count when every task ended; too few fail the round")
    func everyTaskEnded() throws {
        var enough = Self.machine(tasks: 2, minimum: 1)
        try enough.admit(taskID: "t1", session: "s", round: 1, client: "c1")
        _ = enough.accepted(taskID: "t1")
        #expect(
            enough.taskFailed(taskID: "t2") == .close(succeeded: true, reason: "every task ended: 1 updates, 1 failed")
        )
        var none = Self.machine(tasks: 1)
        #expect(
            none.taskFailed(taskID: "t1")
                == .close(succeeded: false, reason: "every task ended with 0 updates; the round needs 1")
        )
    }

    @Test("The deadline closes with what arrived; a cancelled round fails; a closed round stays closed")
    func deadlineAndCancel() throws {
        var machine = Self.machine(tasks: 3, minimum: 1)
        try machine.admit(taskID: "t1", session: "s", round: 1, client: "c1")
        _ = machine.accepted(taskID: "t1")
        let closed = machine.deadlinePassed()
        #expect(closed == .close(succeeded: true, reason: "deadline passed with 1 of 3 updates"))
        #expect(machine.cancel(reason: "late") == closed)
        #expect(machine.taskFailed(taskID: "t2") == closed)
        var short = Self.machine(tasks: 3, minimum: 2)
        #expect(
            short.deadlinePassed()
                == .close(succeeded: false, reason: "deadline passed with 0 updates; the round needs 2")
        )
        var cancelled = Self.machine()
        #expect(cancelled.cancel(reason: "stopped") == .close(succeeded: false, reason: "cancelled: stopped"))
    }
}
