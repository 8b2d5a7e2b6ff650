/// A client's report on one of its tasks.
package struct TaskReport: Sendable, Hashable {
    package var taskID: TaskID
    package var state: TaskState
    package var message: String
    /// The metrics of a finished validation task.
    package var validation: [String: Double]

    package init(taskID: TaskID, state: TaskState, message: String = "", validation: [String: Double] = [:]) {
        self.taskID = taskID
        self.state = state
        self.message = message
        self.validation = validation
    }
}
