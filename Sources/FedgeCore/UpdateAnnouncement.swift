/// What a client says about an update before sending it: which task it answers, and its weight and size.
package struct UpdateAnnouncement: Sendable, Hashable {
    package var taskID: TaskID
    package var session: SessionID
    package var round: Int
    /// The sending client's name.
    package var client: String
    /// The update's weight in the average.
    package var numExamples: Double
    /// The update file's size in bytes.
    package var size: UInt64
    /// What the trainer reported about its training (loss, accuracy on its own data, …).
    package var metrics: [String: Double]
    /// How long the client says it took to download the global model and to train, in seconds (0: not said).
    package var downloadSeconds: Double = 0
    package var trainSeconds: Double = 0

    package init(
        taskID: TaskID,
        session: SessionID,
        round: Int,
        client: String,
        numExamples: Double,
        size: UInt64,
        metrics: [String: Double] = [:]
    ) {
        self.taskID = taskID
        self.session = session
        self.round = round
        self.client = client
        self.numExamples = numExamples
        self.size = size
        self.metrics = metrics
    }
}
