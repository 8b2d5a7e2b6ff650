/// What a client says about an update before sending it: which task it answers, and its weight and size.
package struct UpdateAnnouncement: Sendable, Hashable {
    package var taskID: String
    package var session: String
    package var round: Int
    /// The sending client's name.
    package var client: String
    /// The update's weight in the average.
    package var numExamples: Double
    /// The update file's size in bytes.
    package var size: UInt64
    /// What the trainer reported about its training (loss, accuracy on its own data, …).
    package var metrics: [String: Double]

    package init(taskID: String, session: String, round: Int, client: String, numExamples: Double, size: UInt64, metrics: [String: Double] = [:]) {
        self.taskID = taskID
        self.session = session
        self.round = round
        self.client = client
        self.numExamples = numExamples
        self.size = size
        self.metrics = metrics
    }
}

/// A client's report on one of its tasks.
package struct TaskReport: Sendable, Hashable {
    package var taskID: String
    package var state: TaskState
    package var message: String
    /// The metrics of a finished validation task.
    package var validation: [String: Double]

    package init(taskID: String, state: TaskState, message: String = "", validation: [String: Double] = [:]) {
        self.taskID = taskID
        self.state = state
        self.message = message
        self.validation = validation
    }
}

/// What a combiner tells one connected client to do.
package enum ClientCommand: Sendable, Hashable {
    case run(TrainingTask)
    case cancel(taskID: String, reason: String)
}
