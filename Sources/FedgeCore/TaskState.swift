/// Where a task stands, as the client reports it.
package enum TaskState: String, Sendable, Hashable, Codable {
    case accepted, running, succeeded, failed, cancelled
}
