import ArgumentParser
import FedgeAggregation
import FedgeTensor
import Foundation

/// `fedge bench kernels` (also plain `fedge bench`): measures the aggregation kernels against a memory-bandwidth
/// baseline taken in the same run.
struct BenchKernelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "Measure aggregation throughput against a memory-copy baseline.",
        discussion: """
            Allocates Float32 buffers of --size-mib each and times, best of --repetitions: a plain copy of the \
            update into the sum buffer (the baseline, on the same buffers and threads), folding the update into \
            the sum (sum += w·update), checking the update for NaN/Inf, and one FedAdam server step over x, m, v \
            and the average. Throughput is GB/s of update (or model) consumed; ratios are against the copy. \
            Build in release mode: swift run -c release fedge bench kernels.
            """
    )

    @Option(help: "The size of the model in MiB.")
    var sizeMib: Int = 256

    @Option(help: "How many times each measurement runs; the best run counts.")
    var repetitions: Int = 7

    func validate() throws {
        guard self.sizeMib >= 1, self.sizeMib <= 8192 else {
            throw ValidationError("--size-mib must be between 1 and 8192.")
        }
        guard self.repetitions >= 1, self.repetitions <= 1000 else {
            throw ValidationError("--repetitions must be between 1 and 1000.")
        }
    }

    func run() throws {
        let count = self.sizeMib * (1 << 20) / 4
        let bytes = Double(count * 4)
        // Production entry points (TensorBuffer), so the kernels run as specialized in FedgeAggregation.
        let update = (0..<count).map { Float(($0 % 1000)) * 0.001 - 0.5 }
        let average = TensorBuffer(floats: update)
        var sum = TensorBuffer(zeros: count, precision: .float32)
        var x = TensorBuffer(floats: [Float](repeating: 0.25, count: count))
        var m = TensorBuffer(zeros: count, precision: .float32)
        var v = TensorBuffer(zeros: count, precision: .float32)

        print(
            "fedge bench: \(self.sizeMib) MiB Float32 buffers, \(Parallel.defaultWidth) threads, best of \(self.repetitions)"
        )
        print("machine: \(MachineInfo.cpuModel()), \(MachineInfo.cores) cores")

        let copy = self.best {
            update.withUnsafeBufferPointer { src in
                sum.floats.withUnsafeMutableBufferPointer { dst in
                    let s = src.baseAddress!
                    let d = dst.baseAddress!
                    Parallel.forEachChunk(count: count) { range in
                        (d + range.lowerBound).update(from: s + range.lowerBound, count: range.count)
                    }
                }
            }
        }
        let singleCopy = self.best {
            update.withUnsafeBufferPointer { src in
                sum.floats.withUnsafeMutableBufferPointer { dst in
                    dst.baseAddress!.update(from: src.baseAddress!, count: count)
                }
            }
        }
        let fold = self.best {
            update.withUnsafeBytes { raw in sum.accumulate(raw, dtype: .f32, weight: 3) }
        }
        let finite = self.best {
            update.withUnsafeBytes { raw in precondition(TensorBuffer.allFinite(raw, dtype: .f32, count: count)) }
        }
        let adam = self.best {
            x.fedOptStep(rule: .adam, m: &m, v: &v, average: average, eta: 0.01, beta1: 0.9, beta2: 0.99, tau: 1e-3)
        }
        precondition((sum[0] + x[0] + m[0] + v[0]).isFinite)  // every buffer stays alive and observed

        // `passes` is how many model-sized arrays each kernel reads or writes: its memory traffic per model byte.
        func row(_ name: String, _ seconds: Double, passes: Double) -> String {
            let rate = bytes / seconds / 1e9
            let traffic = passes * bytes / seconds / 1e9
            return name.padding(toLength: 32, withPad: " ", startingAt: 0)
                + String(
                    format: "%7.2f GB/s %5.2f × copy  | %3.0f passes %7.2f GB/s %5.2f × copy | %7.1f ms",
                    rate,
                    copy / seconds,
                    passes,
                    traffic,
                    (traffic / (2 * bytes / copy / 1e9)),
                    seconds * 1e3
                )
        }
        print(
            "kernel                          model bytes consumed          | memory traffic                    | time"
        )
        print(row("copy (baseline, parallel)", copy, passes: 2))
        print(row("copy (single-thread memcpy)", singleCopy, passes: 2))
        print(row("fold sum += w·update", fold, passes: 3))
        print(row("finite check (NaN/Inf)", finite, passes: 1))
        print(row("validate + fold", finite + fold, passes: 4))
        print(row("FedAdam step (x, m, v, avg)", adam, passes: 7))
        print(
            String(
                format:
                    "ratios by model bytes: fold %.2f × copy (target ≥ 0.80), FedAdam step %.2f × copy (target ≥ 0.50)",
                copy / fold,
                copy / adam
            )
        )
        print(
            String(
                format: "ratios by memory traffic: fold %.2f × copy, FedAdam step %.2f × copy",
                1.5 * copy / fold,
                3.5 * copy / adam
            )
        )
    }

    /// The fastest of `repetitions` runs of `body`, in seconds, after one warm-up run.
    private func best(_ body: () -> Void) -> Double {
        body()
        var best = Double.infinity
        let clock = ContinuousClock()
        for _ in 0..<self.repetitions {
            let elapsed = clock.measure(body)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            best = min(best, seconds)
        }
        return best
    }
}
