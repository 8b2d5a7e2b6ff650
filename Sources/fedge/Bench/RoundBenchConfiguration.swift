/// One configuration of `fedge bench round`: how many clients and combiners, how big a model, how many rounds.
struct RoundBenchConfiguration: Sendable, Hashable, Codable {
    /// Edge clients (N).
    var clients: Int
    /// Combiners (C).
    var combiners: Int
    /// Float32 parameters of the model (P), in `tensors` equal tensors.
    var params: Int
    /// Rounds of the session (R).
    var rounds: Int
    /// Client processes (K); client i runs in process i mod K.
    var processes: Int
    var aggregator: String

    /// The model's tensors: `t0` … `t9`.
    static let tensors = 10
    /// 10 MiB of Float32.
    static let tenMiB = 2_621_440
    /// 100 MiB of Float32.
    static let hundredMiB = 26_214_400

    /// The model's tensor bytes in MiB (its file is a header larger).
    var modelMiB: Double { Double(self.params) * 4 / 1_048_576 }

    /// The bytes one round moves when each transfer carries `modelFileBytes`: N × (model down + update up) +
    /// C × (model down to the combiner + partial up).
    func bytesPerRound(modelFileBytes: Int64) -> Int64 {
        Int64(self.clients + self.combiners) * 2 * modelFileBytes
    }

    /// How many clients process `index` (from 0) runs: the clients are dealt round-robin.
    func clients(inProcess index: Int) -> Int {
        self.clients / self.processes + (index < self.clients % self.processes ? 1 : 0)
    }

    /// The grid of `--grid`: N ∈ {10, 100, 1000} on a 10 MiB model and N ∈ {10, 100} on a 100 MiB model, each with
    /// C ∈ {1, 2}; K is `processes` (default 10) but at most N.
    static func grid(rounds: Int, processes: Int?, aggregator: String) -> [RoundBenchConfiguration] {
        let sizes: [(params: Int, clients: [Int])] = [(Self.tenMiB, [10, 100, 1000]), (Self.hundredMiB, [10, 100])]
        return sizes.flatMap { size in
            size.clients.flatMap { clients in
                [1, 2].map { combiners in
                    RoundBenchConfiguration(
                        clients: clients,
                        combiners: combiners,
                        params: size.params,
                        rounds: rounds,
                        processes: min(clients, processes ?? 10),
                        aggregator: aggregator
                    )
                }
            }
        }
    }
}
