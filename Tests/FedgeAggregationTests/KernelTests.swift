import FedgeAggregation
import FedgeTensor
import Testing

@Suite("Kernels")
struct KernelTests {
    @Test(arguments: [0, 1, 15, 16, 17, 100, 1 << 19 + 5])
    func accumulateReadsUnalignedUpdates(count: Int) {
        // One spare byte in front puts the Float32 update off its natural alignment.
        var storage = [UInt8](repeating: 0, count: count * 4 + 1)
        for i in 0..<count {
            withUnsafeBytes(of: Float(i % 97) - 48) { storage.replaceSubrange((1 + 4 * i)..<(5 + 4 * i), with: $0) }
        }
        var sum = TensorBuffer(floats: (0..<count).map { Float($0 % 5) })
        storage.withUnsafeBytes { raw in
            sum.accumulate(UnsafeRawBufferPointer(rebasing: raw[1...]), dtype: .f32, weight: 2)
        }
        for i in stride(from: 0, to: count, by: max(1, count / 1000)) {
            #expect(sum[i] == Double(i % 5) + 2 * (Double(i % 97) - 48))
        }
    }

    @Test(arguments: [1, 16, 63, 64, 65, 1000, 1 << 19 + 3])
    func finiteCheckFindsABadValueAnywhere(count: Int) {
        for position in Set([0, count / 2, count - 1]) {
            for bad in [Float.nan, .infinity, -.infinity] {
                var values = [Float](repeating: 1, count: count)
                #expect(values.withUnsafeBytes { TensorBuffer.allFinite($0, dtype: .f32, count: count) })
                values[position] = bad
                #expect(!values.withUnsafeBytes { TensorBuffer.allFinite($0, dtype: .f32, count: count) })
            }
        }
    }

    @Test func finiteCheckKnowsEveryFloatDType() {
        let half: [UInt16] = [0x3c00, 0x7c00]  // 1, +Inf
        #expect(!half.withUnsafeBytes { TensorBuffer.allFinite($0, dtype: .f16, count: 2) })
        let bf: [UInt16] = [0x3f80, 0x7fc0]  // 1, NaN
        #expect(!bf.withUnsafeBytes { TensorBuffer.allFinite($0, dtype: .bf16, count: 2) })
        let double: [Double] = [1, -.infinity]
        #expect(!double.withUnsafeBytes { TensorBuffer.allFinite($0, dtype: .f64, count: 2) })
        let large: [Float] = [Float.greatestFiniteMagnitude, -Float.leastNonzeroMagnitude]
        #expect(large.withUnsafeBytes { TensorBuffer.allFinite($0, dtype: .f32, count: 2) })
    }

    @Test func yogiSignOfZeroLeavesVUnchanged() {
        // Δ = 0 → Δ² = 0, v − Δ² = v; with v = 0 the sign is 0 and v stays 0.
        var x = TensorBuffer(floats: [1, 1])
        var m = TensorBuffer(floats: [0, 0])
        var v = TensorBuffer(floats: [0, 4])
        x.fedOptStep(
            rule: .yogi,
            m: &m,
            v: &v,
            average: TensorBuffer(floats: [1, 3]),
            eta: 0.1,
            beta1: 0.9,
            beta2: 0.99,
            tau: 1e-3
        )
        #expect(v[0] == 0)
        // Δ = 2, Δ² = 4 = v → sign 0, v unchanged.
        #expect(v[1] == 4)
        #expect(abs(x[1] - (1 + 0.1 * 0.2 / (2 + 1e-3))) < 1e-6)
    }
}
