import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels
import Foundation

/// What `fedge model download --json` prints.
struct DownloadReport: Encodable {
    var model: String
    var out: String
    var bytes: Int64
}
