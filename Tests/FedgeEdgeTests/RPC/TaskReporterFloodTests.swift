import FedgeCore
import FedgeProto
import FedgeRPC
import Logging
import Testing

@testable import FedgeEdge

@Suite("A client's task reports under load")
struct TaskReporterFloodTests {
    @Test("Every status and metrics report arrives; log lines beyond the outbox's room are counted, not lost silently")
    func floodedReporter() async {
        let outbox = Outbox<Fedge_V1_ClientEvent>(bestEffortCapacity: 500)
        let reporter = TaskReporter(taskID: "t-1", outbox: outbox, logger: Logger(label: "test"))
        let reader = Task {
            var (statuses, metrics, logs) = (0, 0, 0)
            for await event in outbox {
                switch event.event {
                case .status: statuses += 1
                case .metrics: metrics += 1
                case .log: logs += 1
                default: break
                }
                await Task.yield()
            }
            return (statuses, metrics, logs)
        }
        for i in 0..<20_000 {
            reporter.status(.running, "step \(i)")
            reporter.log("stdout", "line \(i)")
            if i % 4 == 0 { reporter.metrics(["loss": Double(i)]) }
        }
        let dropped = outbox.takeDropped()
        outbox.finish()
        let (statuses, metrics, logs) = await reader.value
        #expect(statuses == 20_000)
        #expect(metrics == 5_000)
        #expect(logs + dropped == 20_000)
        #expect(TaskReporter.droppedLines(dropped).log.line.hasPrefix("\(dropped) log line(s) dropped"))
    }
}
