/// What a combiner tells one connected client to do.
package enum ClientInstruction: Sendable, Hashable {
    case run(TrainingTask)
    case cancel(taskID: TaskID, reason: String)
}
