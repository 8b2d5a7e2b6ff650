import FedgeCore
import FedgeProto
import FedgeRPC
import Foundation
import GRPCCore
import Logging
import SwiftProtobuf
import Synchronization

/// One connection to a combiner: the control stream, its heartbeats, and the task it is running.
struct EdgeSession<Transport: ClientTransport>: Sendable {
    let configuration: EdgeConfiguration
    let trainer: any Trainer
    let combiner: Fedge_V1_Combiner.Client<Transport>
    /// Where global models come from: the combiner's model-transfer service.
    let models: Fedge_V1_ModelTransfer.Client<Transport>
    let logger: Logger

    /// Calls fail fast when the combiner is unreachable, so the client's own backoff decides when to retry.
    static var callOptions: CallOptions {
        var options = CallOptions.defaults
        options.waitForReady = false
        return options
    }

    /// Runs the control stream until the combiner closes it or the connection breaks.
    func run(onWelcome: @escaping @Sendable () -> Void) async throws {
        let outbox = Outbox<Fedge_V1_ClientEvent>()
        outbox.send(
            .with {
                $0.hello = .with {
                    $0.name = self.configuration.name
                    $0.trainers = [self.trainer.name]
                    $0.version = "fedge/0.1"
                    $0.labels = self.configuration.labels
                }
            }
        )
        let running = TaskSlot()
        try await self.combiner.connect(options: Self.callOptions) { writer in
            for await event in outbox {
                try await writer.write(event)
                let dropped = outbox.takeDropped()
                if dropped > 0 { try await writer.write(TaskReporter.droppedLines(dropped)) }
            }
        } onResponse: { response in
            defer { outbox.finish() }
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await self.heartbeats(outbox, running: running) }
                for try await event in response.messages {
                    switch event.event {
                    case .welcome(let welcome):
                        self.logger.info(
                            "Connected to combiner",
                            metadata: [
                                "fedge.combiner": "\(welcome.combiner)", "fedge.client.id": "\(welcome.clientID)",
                            ]
                        )
                        onWelcome()
                    case .task(let assignment):
                        self.start(assignment, running: running, outbox: outbox, group: &group)
                    case .cancel(let cancel):
                        if let target = running.current, target.id.rawValue == cancel.taskID {
                            self.logger.info(
                                "Task cancelled by the combiner",
                                metadata: ["fedge.task.id": "\(cancel.taskID)", "fedge.reason": "\(cancel.reason)"]
                            )
                            target.cancel.yield()
                        }
                    case nil:
                        break
                    }
                }
                group.cancelAll()
            }
        }
    }

    /// Sends a heartbeat with telemetry every interval; only the newest waits in the outbox.
    private func heartbeats(_ outbox: Outbox<Fedge_V1_ClientEvent>, running: TaskSlot) async throws {
        let disk = self.configuration.workDirectory.path
        while true {
            let telemetry = TelemetrySampler.shared(diskPath: disk)
            let task = running.current?.id ?? ""
            outbox.coalesce(
                .with {
                    $0.heartbeat = .with {
                        $0.telemetry = telemetry.proto
                        $0.runningTaskID = task.rawValue
                    }
                },
                key: "heartbeat"
            )
            try await Task.sleep(for: self.configuration.heartbeatInterval)
        }
    }

    /// Starts `assignment` unless a task is already running (one at a time).
    private func start(
        _ assignment: Fedge_V1_TaskAssignment,
        running: TaskSlot,
        outbox: Outbox<Fedge_V1_ClientEvent>,
        group: inout ThrowingDiscardingTaskGroup<any Error>
    ) {
        let reporter = TaskReporter(taskID: assignment.taskID, outbox: outbox, logger: self.logger)
        let task: TrainingTask
        do {
            task = try TrainingTask(assignment)
        } catch {
            reporter.status(.failed, "\(error)")
            return
        }
        let (signal, cancel) = AsyncStream.makeStream(of: Void.self)
        group.addTask {
            // The combiner sends a task again when the client dials in anew before it heard of the task: the
            // one this client already runs is not started twice.
            let duplicate = {
                self.logger.warning(
                    "Task assigned again while it runs; the second assignment is ignored",
                    metadata: ["fedge.task.id": "\(task.id)"]
                )
            }
            if running.current?.id == task.id { return duplicate() }
            // The previous task may still be reporting its end when the next round's task arrives: wait for it a
            // moment.
            if let busyWith = await running.claim(RunningTask(id: task.id, cancel: cancel), waiting: .seconds(3)) {
                if busyWith == task.id.rawValue { return duplicate() }
                reporter.status(.failed, "the client is busy with task \(busyWith) and runs one task at a time")
                return
            }
            defer {
                running.release()
                cancel.finish()
            }
            await withTaskGroup(of: Void.self) { race in
                race.addTask {
                    await TaskExecution(
                        configuration: self.configuration,
                        trainer: self.trainer,
                        combiner: self.combiner,
                        models: self.models,
                        logger: self.logger,
                        reporter: reporter
                    ).execute(task)
                }
                race.addTask { for await _ in signal { return } }
                await race.next()
                race.cancelAll()
            }
        }
    }
}

/// Sends a task's status, logs and metrics up the control stream.
///
/// A status and metrics carry state: they wait in order until sent, and one that can no longer be sent (the stream
/// to the combiner is gone) is logged as an error. Log lines are best effort: when too many wait, new ones are
/// dropped and the combiner is told how many.
struct TaskReporter: Sendable {
    let taskID: String
    let outbox: Outbox<Fedge_V1_ClientEvent>
    let logger: Logger

    func status(_ state: TaskState, _ message: String = "", validation: ValidationResult? = nil) {
        self.send(
            .with {
                $0.status = .with {
                    $0.taskID = self.taskID
                    $0.state = state.proto
                    $0.message = message
                    if let validation {
                        $0.validation = .with {
                            $0.metrics = validation.metrics
                            $0.numExamples = validation.numExamples
                        }
                    }
                }
            }
        )
    }

    func log(_ stream: String, _ line: String) {
        self.outbox.offer(
            .with {
                $0.log = .with {
                    $0.taskID = self.taskID
                    $0.stream = stream
                    $0.line = line
                    $0.unixMillis = Date().unixMillis
                }
            }
        )
    }

    func metrics(_ values: [String: Double]) {
        guard !values.isEmpty else { return }
        self.send(
            .with {
                $0.metrics = .with {
                    $0.taskID = self.taskID
                    $0.values = values
                }
            }
        )
    }

    private func send(_ event: Fedge_V1_ClientEvent) {
        if !self.outbox.send(event) {
            self.logger.error(
                "Task report lost: the stream to the combiner closed",
                metadata: ["fedge.task.id": "\(self.taskID)"]
            )
        }
    }

    /// A log line saying that `count` lines were dropped because the outbox was full.
    static func droppedLines(_ count: Int) -> Fedge_V1_ClientEvent {
        .with {
            $0.log = .with {
                $0.stream = "client"
                $0.line = "\(count) log line(s) dropped: the client produced them faster than the combiner took them"
                $0.unixMillis = Date().unixMillis
            }
        }
    }
}
