import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels
import Foundation

/// `--limit` and `--offset`, for the list commands.
struct PageOptions: ParsableArguments {
    @Option(help: "Show at most this many items (default: the server's page size).")
    var limit: Int?

    @Option(help: "Skip this many items first.")
    var offset: Int?

    func validate() throws {
        if let limit = self.limit, limit < 1 {
            throw ValidationError("--limit must be at least 1; got \(limit).")
        }
        if let offset = self.offset, offset < 0 {
            throw ValidationError("--offset cannot be negative; got \(offset).")
        }
    }
}
