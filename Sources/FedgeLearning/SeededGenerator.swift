/// A small, fast, seedable random number generator (xoshiro256**, seeded through SplitMix64): the same seed gives
/// the same data splits, initial weights and minibatch orders on every machine.
package struct LearningRandom: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    package init(seed: UInt64) {
        var mix = seed
        func next() -> UInt64 {
            mix &+= 0x9E37_79B9_7F4A_7C15
            var z = mix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        self.state = (next(), next(), next(), next())
    }

    /// A generator for a named stream under `seed` (e.g. one per client or per round), independent of the others.
    package init(seed: UInt64, stream: UInt64) {
        self.init(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03) &+ stream)
    }

    package mutating func next() -> UInt64 {
        let result = ((self.state.1 &* 5) << 7 | (self.state.1 &* 5) >> 57) &* 9
        let t = self.state.1 << 17
        self.state.2 ^= self.state.0
        self.state.3 ^= self.state.1
        self.state.1 ^= self.state.2
        self.state.0 ^= self.state.3
        self.state.2 ^= t
        self.state.3 = self.state.3 << 45 | self.state.3 >> 19
        return result
    }

    /// Uniform in [0, 1).
    package mutating func uniform() -> Double { Double(self.next() >> 11) * 0x1.0p-53 }

    /// Standard normal (Box–Muller).
    package mutating func normal(mean: Double = 0, deviation: Double = 1) -> Double {
        var u = self.uniform()
        while u <= .leastNonzeroMagnitude { u = self.uniform() }
        let v = self.uniform()
        return mean + deviation * (-2 * _log(u)).squareRoot() * _cos(2 * .pi * v)
    }

    /// Gamma(shape, 1) by Marsaglia and Tsang's method (shape < 1 boosted by U^(1/shape)).
    package mutating func gamma(shape: Double) -> Double {
        if shape < 1 {
            var u = self.uniform()
            while u <= .leastNonzeroMagnitude { u = self.uniform() }
            return self.gamma(shape: shape + 1) * _pow(u, 1 / shape)
        }
        let d = shape - 1.0 / 3
        let c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double
            var v: Double
            repeat {
                x = self.normal()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = self.uniform()
            if u < 1 - 0.0331 * x * x * x * x { return d * v }
            if _log(u) < 0.5 * x * x + d * (1 - v + _log(v)) { return d * v }
        }
    }

    /// A draw from the symmetric Dirichlet(alpha) over `count` categories.
    package mutating func dirichlet(alpha: Double, count: Int) -> [Double] {
        var draws = (0..<count).map { _ in self.gamma(shape: alpha) }
        let total = draws.reduce(0, +)
        if total <= 0 {
            draws = [Double](repeating: 0, count: count)
            draws[Int(self.next() % UInt64(count))] = 1
            return draws
        }
        return draws.map { $0 / total }
    }
}

// Foundation-free math, so the module needs nothing beyond the standard library and Glibc.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@inline(__always) func _log(_ x: Double) -> Double { log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { cos(x) }
@inline(__always) func _pow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
@inline(__always) func _exp(_ x: Double) -> Double { exp(x) }
