package import FedgeCore
package import Foundation
import Logging

/// A client as its combiner reported it.
package struct CombinerClient: Sendable, Hashable {
    package var name: String
    package var liveness: ClientLiveness
    package var lastSeen: Date
    package var tasksDone: Int
    package var tasksFailed: Int
    package var telemetry: Telemetry?

    package init(
        name: String,
        liveness: ClientLiveness,
        lastSeen: Date,
        tasksDone: Int,
        tasksFailed: Int,
        telemetry: Telemetry?
    ) {
        self.name = name
        self.liveness = liveness
        self.lastSeen = lastSeen
        self.tasksDone = tasksDone
        self.tasksFailed = tasksFailed
        self.telemetry = telemetry
    }
}
