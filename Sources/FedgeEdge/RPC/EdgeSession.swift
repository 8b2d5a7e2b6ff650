import FedgeCore
import FedgeProto
import SwiftProtobuf
import FedgeRPC
import Foundation
import GRPCCore
import Logging
import Synchronization

/// One connection to a combiner: the control stream, its heartbeats, and the task it is running.
struct EdgeSession<Transport: ClientTransport>: Sendable {
    let configuration: EdgeConfiguration
    let trainer: any Trainer
    let combiner: Fedge_V1_Combiner.Client<Transport>
    let logger: Logger

    /// Calls fail fast when the combiner is unreachable, so the client's own backoff decides when to retry.
    static var callOptions: CallOptions {
        var options = CallOptions.defaults
        options.waitForReady = false
        return options
    }

    /// Runs the control stream until the combiner closes it or the connection breaks.
    func run(onWelcome: @escaping @Sendable () -> Void) async throws {
        let (outbox, continuation) = AsyncStream.makeStream(of: Fedge_V1_ClientEvent.self, bufferingPolicy: .bufferingNewest(10_000))
        continuation.yield(.with {
            $0.hello = .with {
                $0.name = self.configuration.name
                $0.trainers = [self.trainer.name]
                $0.version = "fedge/0.1"
                $0.labels = self.configuration.labels
            }
        })
        let running = RunningSlot()
        try await self.combiner.connect(options: Self.callOptions) { writer in
            for await event in outbox { try await writer.write(event) }
        } onResponse: { response in
            defer { continuation.finish() }
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await self.heartbeats(continuation, running: running) }
                for try await event in response.messages {
                    switch event.event {
                    case .welcome(let welcome):
                        self.logger.info(
                            "Connected to combiner",
                            metadata: ["fedge.combiner": "\(welcome.combiner)", "fedge.client.id": "\(welcome.clientID)"]
                        )
                        onWelcome()
                    case .task(let assignment):
                        self.start(assignment, running: running, outbox: continuation, group: &group)
                    case .cancel(let cancel):
                        let target = running.state.withLock { $0?.id == cancel.taskID ? $0 : nil }
                        if let target {
                            self.logger.info("Task cancelled by the combiner", metadata: ["fedge.task.id": "\(cancel.taskID)", "fedge.reason": "\(cancel.reason)"])
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

    /// Sends a heartbeat with telemetry every interval.
    private func heartbeats(_ outbox: AsyncStream<Fedge_V1_ClientEvent>.Continuation, running: RunningSlot) async throws {
        var sampler = TelemetrySampler(diskPath: self.configuration.workDirectory.path)
        while true {
            let telemetry = sampler.sample()
            let task = running.state.withLock { $0?.id } ?? ""
            outbox.yield(.with {
                $0.heartbeat = .with {
                    $0.telemetry = telemetry.proto
                    $0.runningTaskID = task
                }
            })
            try await Task.sleep(for: self.configuration.heartbeatInterval)
        }
    }

    /// Starts `assignment` unless a task is already running (one at a time).
    private func start(
        _ assignment: Fedge_V1_TaskAssignment,
        running: RunningSlot,
        outbox: AsyncStream<Fedge_V1_ClientEvent>.Continuation,
        group: inout ThrowingDiscardingTaskGroup<any Error>
    ) {
        let reporter = TaskReporter(taskID: assignment.taskID, outbox: outbox)
        let task: TrainingTask
        do {
            task = try TrainingTask(assignment)
        } catch {
            reporter.status(.failed, "\(error)")
            return
        }
        let (signal, cancel) = AsyncStream.makeStream(of: Void.self)
        group.addTask {
            // The previous task may still be reporting its end when the next round's task arrives: give it a moment.
            var busyWith: String? = nil
            for _ in 0..<300 {
                busyWith = running.state.withLock { current in
                    if let current { return current.id }
                    current = RunningTask(id: task.id, cancel: cancel)
                    return nil
                }
                if busyWith == nil { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            if let busyWith {
                reporter.status(.failed, "the client is busy with task \(busyWith) and runs one task at a time")
                return
            }
            defer {
                running.state.withLock { $0 = nil }
                cancel.finish()
            }
            await withTaskGroup(of: Void.self) { race in
                race.addTask {
                    await TaskExecution(
                        configuration: self.configuration,
                        trainer: self.trainer,
                        combiner: self.combiner,
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

/// Holds the task a session is running, shared by its control loop and the task itself.
final class RunningSlot: Sendable {
    let state = Mutex<RunningTask?>(nil)
}

/// The task a session is running, and the way to cancel it.
struct RunningTask: Sendable {
    var id: String
    var cancel: AsyncStream<Void>.Continuation
}

/// Sends a task's status, logs and metrics up the control stream.
struct TaskReporter: Sendable {
    let taskID: String
    let outbox: AsyncStream<Fedge_V1_ClientEvent>.Continuation

    func status(_ state: TaskState, _ message: String = "", validation: ValidationResult? = nil) {
        self.outbox.yield(.with {
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
        })
    }

    func log(_ stream: String, _ line: String) {
        self.outbox.yield(.with {
            $0.log = .with {
                $0.taskID = self.taskID
                $0.stream = stream
                $0.line = line
                $0.unixMillis = Date().unixMillis
            }
        })
    }

    func metrics(_ values: [String: Double]) {
        guard !values.isEmpty else { return }
        self.outbox.yield(.with {
            $0.metrics = .with {
                $0.taskID = self.taskID
                $0.values = values
            }
        })
    }
}
