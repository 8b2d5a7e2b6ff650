package import FedgeAPIModels

/// What the console asks its driver to do after a key.
package enum ConsoleAction: Sendable, Hashable {
    case quit
    case refresh
    case startSession(SessionConfigDTO)
    case stopSession(String)
    case activate(model: String)
}
