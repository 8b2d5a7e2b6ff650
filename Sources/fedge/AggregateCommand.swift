import ArgumentParser
import FedgeAggregation
import FedgeCore
import FedgeTensor
import Foundation
import NIOConcurrencyHelpers

/// `fedge aggregate`: aggregates model files offline, one server round per call.
struct AggregateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aggregate",
        abstract: "Aggregate model updates into a new global model, offline.",
        discussion: """
            Reads the global model (--base) and each UPDATE:WEIGHT, checks every update against the base \
            (tensor names, shapes, dtypes, finite values, positive weight), aggregates them with the chosen \
            aggregator and writes the new model to --out. Integer and bool tensors are carried over from the base.

            Aggregators: fedavg, fedavgm (eta=1.0 beta=0.9), fedadam, fedyogi, fedadagrad (eta=0.1 beta1=0.9, \
            0 for fedadagrad, beta2=0.99 tau=0.001), fedmedian, fedtrimmedavg (beta=0.2), krum (f=0), \
            multikrum (f=0 m=2).

            With --state DIR the server optimizer state (fedavgm, fedadam, fedyogi, fedadagrad) is read from \
            DIR/server-optimizer.safetensors and written back, so successive calls are successive rounds.
            """
    )

    @Option(
        help:
            "The aggregator: fedavg, fedavgm, fedadam, fedyogi, fedadagrad, fedmedian, fedtrimmedavg, krum, multikrum."
    )
    var aggregator: String = "fedavg"

    @Option(
        name: .customLong("param"),
        help: "An aggregator parameter as NAME=VALUE, e.g. --param eta=0.05. Repeatable."
    )
    var parameters: [String] = []

    @Option(help: "The current global model (.safetensors).")
    var base: String

    @Option(help: "A directory holding the server optimizer state between calls; created when missing.")
    var state: String?

    @Option(help: "Where to write the new global model (.safetensors).")
    var out: String

    @Flag(
        help:
            "Fsync the new model (and the optimizer state) before renaming it into place, so it survives a power loss."
    )
    var sync = false

    @Flag(help: "Print the result as JSON.")
    var json = false

    @Argument(help: "Updates as PATH:WEIGHT, where WEIGHT is the update's num_examples (a positive number).")
    var updates: [String] = []

    func validate() throws {
        if self.updates.isEmpty {
            throw ValidationError("Give at least one update as PATH:WEIGHT, e.g. client-1.safetensors:120.")
        }
        _ = try self.parsedUpdates()
        _ = try self.config()
    }

    func run() throws {
        let config = try self.config()
        let base = try SafetensorsFile(path: self.base)
        let layout = ModelLayout(base)

        let updates = try self.parsedUpdates()
        let files = try updates.map { try SafetensorsFile(path: $0.0) }
        // A weighted sum needs no ids: the updates are folded while every core hashes the files. Robust reducers
        // order the updates and break ties by their ids, so they wait for them.
        let hashes = BackgroundHashes(of: [base] + files)
        let known = config.name.isRobust ? hashes.wait() : nil
        var reducer = UpdateReducer(config: config, layout: layout)
        for (index, (update, (path, weight))) in zip(files, updates).enumerated() {
            let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            let id = known?[index + 1] ?? Self.unhashed
            try reducer.add(
                update,
                weight: weight,
                contribution: Contribution(client: name, weight: weight, update: id)
            )
        }
        let ids = hashes.wait()
        var partial = try (consume reducer).finish()
        if known == nil { partial.identifyUpdates(Array(ids.dropFirst())) }

        let statePath = self.state.map {
            URL(fileURLWithPath: $0).appendingPathComponent("server-optimizer.safetensors").path
        }
        var previous: ServerOptimizerState? = nil
        if let statePath, config.name.hasServerState, FileManager.default.fileExists(atPath: statePath) {
            previous = try ServerOptimizerState(file: try SafetensorsFile(path: statePath), layout: layout)
        }
        // The partial goes straight into the call, so its buffers stay uniquely owned and are averaged in place.
        let (model, newState) = try ServerUpdate.apply(
            config,
            base: base,
            baseID: ids[0],
            partials: [consume partial],
            state: consume previous
        )
        let durability: FileDurability = self.sync ? .durable : .atomic
        let id = try SafetensorsWriter.write(model, to: self.out, durability: durability)
        if let statePath, let newState, let directory = self.state {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try SafetensorsWriter.write(newState.encodable(layout: layout), to: statePath, durability: durability)
        }
        self.report(
            AggregateReport(
                out: self.out,
                modelID: id.hex,
                parent: model.metadata["fedge.parent"] ?? "",
                aggregator: config.name.rawValue,
                parameters: config.parameters,
                totalWeight: model.totalWeight,
                serverStep: newState?.step,
                contributions: model.contributions
            )
        )
    }

    /// The id a contribution has until its file is hashed.
    private static let unhashed = ModelID(hex: String(repeating: "0", count: 64))!

    private func report(_ report: AggregateReport) {
        if self.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: (try? encoder.encode(report)) ?? Data(), as: UTF8.self))
            return
        }
        let step = report.serverStep.map { ", server step \($0)" } ?? ""
        print("wrote \(report.out)")
        print("  model      \(report.modelID)")
        print("  parent     \(report.parent)")
        print("  aggregator \(report.aggregator)\(step)")
        print("  updates    \(report.contributions.count) used, total weight \(report.totalWeight)")
        for contribution in report.contributions {
            print("    \(contribution.client)  weight \(contribution.weight)  \(contribution.update.shortPrefix)")
        }
    }

    private func config() throws -> AggregatorConfig {
        var values: [String: Double] = [:]
        for parameter in self.parameters {
            let parts = parameter.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, let value = Double(parts[1]) else {
                throw ValidationError("--param '\(parameter)' is not NAME=NUMBER, e.g. --param eta=0.05.")
            }
            values[parts[0]] = value
        }
        do {
            return try AggregatorConfig(name: self.aggregator, parameters: values)
        } catch {
            throw ValidationError("\(error).")
        }
    }

    private func parsedUpdates() throws -> [(String, Double)] {
        try self.updates.map { argument in
            guard let colon = argument.lastIndex(of: ":"),
                let weight = Double(argument[argument.index(after: colon)...]),
                colon != argument.startIndex
            else {
                throw ValidationError("Update '\(argument)' is not PATH:WEIGHT, e.g. client-1.safetensors:120.")
            }
            guard weight > 0, weight.isFinite else {
                throw ValidationError("Update '\(argument)' has weight \(weight); weights must be positive numbers.")
            }
            return (String(argument[..<colon]), weight)
        }
    }
}

/// Every file's SHA-256 (the parent's and the contributions' ids), computed in the background, as many files at once
/// as there are cores, while the caller goes on: hashing, at about 1.5 GB/s a core, is most of what an aggregate
/// costs, and the fold itself is memory-bound.
private final class BackgroundHashes: Sendable {
    private let ids: NIOLockedValueBox<[ModelID?]>
    private let done = DispatchGroup()

    init(of files: [SafetensorsFile]) {
        self.ids = NIOLockedValueBox(Array(repeating: nil, count: files.count))
        self.done.enter()
        DispatchQueue.global().async {
            DispatchQueue.concurrentPerform(iterations: files.count) { index in
                let id = files[index].computeModelID()
                self.ids.withLockedValue { $0[index] = id }
            }
            self.done.leave()
        }
    }

    /// The ids, in the order of the files, once every one is computed.
    func wait() -> [ModelID] {
        self.done.wait()
        return self.ids.withLockedValue { $0.compactMap { $0 } }  // concurrentPerform ran every index
    }
}
