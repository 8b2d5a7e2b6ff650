/// What a task asks of a client.
package enum TaskKind: String, Sendable, Hashable, Codable {
    /// Train on local data from the global model and upload the update.
    case train
    /// Compute metrics of the global model on local data.
    case validate
}
