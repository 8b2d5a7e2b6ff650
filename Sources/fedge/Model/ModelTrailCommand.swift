import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels

/// `fedge model trail [ID]`: a model's lineage back to its seed.
struct ModelTrailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trail",
        abstract: "Show a model's lineage back to its seed.",
        discussion: """
            Lists the model (the active one by default), its parent, the parent's parent and so on to the seed \
            model, each indented under the model it produced, with its session and round, aggregator, number of \
            contributors and validation metrics. With --json, prints the lineage as the API answers it.
            """
    )

    @OptionGroup var api: APIOptions

    @Argument(help: "The model id or a unique prefix of it (default: the active model).")
    var id: String?

    /// Indentation stops growing after this many levels, so long trails stay readable.
    static let maxDepth = 16

    func run() async throws {
        let (lineage, chain) = try await self.api.withClient { client in
            let id: String
            if let given = self.id {
                id = given
            } else {
                id = try await client.activeModel().id
            }
            let lineage = try await client.lineage(id)
            var chain = lineage.ancestors
            if chain.first?.id != lineage.model {
                chain.insert(try await client.model(lineage.model), at: 0)
            }
            // Lists may leave contributions out; fetch each model that lacks them for its contributor count.
            for index in chain.indices where chain[index].contributions == nil && chain[index].aggregator != nil {
                chain[index] = try await client.model(chain[index].id)
            }
            return (lineage, chain)
        }
        self.api.print(lineage) {
            for (depth, model) in chain.enumerated() {
                let indent = String(repeating: "   ", count: max(0, min(depth, Self.maxDepth) - 1))
                let branch = depth == 0 ? "" : indent + "└─ "
                print(branch + Self.describe(model))
            }
            if !lineage.children.isEmpty {
                let children = lineage.children.map { Format.hash($0.id) }.joined(separator: ", ")
                print("children of \(Format.hash(lineage.model)): \(children)")
            }
        }
    }

    /// `3f2a9c1b7e4d  s-1 round 5  fedavg  8 contributors  accuracy=0.91  (active)`.
    static func describe(_ model: ModelDTO) -> String {
        var parts = [Format.hash(model.id)]
        if let session = model.session {
            parts.append("\(session) round \(model.round.map(String.init) ?? "?")")
        } else {
            parts.append("seed")
        }
        if let aggregator = model.aggregator {
            parts.append(aggregator)
            let count = model.contributions?.count
            parts.append(count.map { "\($0) contributor\($0 == 1 ? "" : "s")" } ?? "? contributors")
        }
        if !model.metrics.isEmpty { parts.append(Format.metrics(model.metrics)) }
        if model.active { parts.append("(active)") }
        return parts.joined(separator: "  ")
    }
}
