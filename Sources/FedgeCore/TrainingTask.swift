package import Foundation

/// One task for one client: train or validate one global model for one round of one session.
///
/// Session, round and task ids travel with every update, so a late or duplicate update can be told apart.
package struct TrainingTask: Sendable, Hashable, Codable {
    package var id: TaskID
    package var session: SessionID
    package var round: Int
    package var kind: TaskKind
    package var model: ModelID
    package var modelSize: UInt64
    /// Settings for the trainer (`epochs`, `learning_rate`, `mu`, …) as a JSON object.
    package var clientSettingsJSON: String
    /// When the combiner stops waiting for the result.
    package var deadline: Date
    /// The session's compute package (its archive's SHA-256), for clients that run the session's package.
    package var package: ModelID? = nil
    package var packageSize: UInt64 = 0

    package init(
        id: TaskID,
        session: SessionID,
        round: Int,
        kind: TaskKind,
        model: ModelID,
        modelSize: UInt64,
        clientSettingsJSON: String = "{}",
        deadline: Date
    ) {
        self.id = id
        self.session = session
        self.round = round
        self.kind = kind
        self.model = model
        self.modelSize = modelSize
        self.clientSettingsJSON = clientSettingsJSON
        self.deadline = deadline
    }
}
