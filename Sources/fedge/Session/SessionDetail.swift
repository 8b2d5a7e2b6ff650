import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels
import Foundation

/// What `fedge session show --json` prints.
struct SessionDetail: Encodable {
    var session: SessionDTO
    var rounds: [RoundDTO]
}
