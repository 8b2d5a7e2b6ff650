extension Kernels {
    /// Which second-moment rule an adaptive server step uses.
    package enum SecondMoment: Sendable {
        /// v ← β2·v + (1−β2)·Δ²
        case adam
        /// v ← v − (1−β2)·Δ²·sign(v − Δ²)
        case yogi
        /// v ← v + Δ²
        case adagrad
    }

    /// One adaptive server step (Reddi et al.) over every element, in place:
    /// Δ = avg − x; m ← β1·m + (1−β1)·Δ; v by `rule`; x ← x + ηₜ·m / (√v + τ).
    package static func fedOptStep<T: BinaryFloatingPoint & SIMDScalar>(
        rule: SecondMoment,
        x: UnsafeMutableBufferPointer<T>,
        m: UnsafeMutableBufferPointer<T>,
        v: UnsafeMutableBufferPointer<T>,
        average: UnsafeBufferPointer<T>,
        eta: T,
        beta1: T,
        beta2: T,
        tau: T
    ) {
        precondition(x.count == m.count && x.count == v.count && x.count == average.count)
        guard let xs = x.baseAddress, let ms = m.baseAddress, let vs = v.baseAddress, let avg = average.baseAddress
        else { return }
        Parallel.forEachChunk(count: x.count) { range in
            let b1 = SIMD16<T>(repeating: beta1)
            let c1 = SIMD16<T>(repeating: 1 - beta1)
            let b2 = SIMD16<T>(repeating: beta2)
            let c2 = SIMD16<T>(repeating: 1 - beta2)
            let lr = SIMD16<T>(repeating: eta)
            let t = SIMD16<T>(repeating: tau)
            let zero = SIMD16<T>(repeating: 0)
            var i = range.lowerBound
            while i &+ 16 <= range.upperBound {
                var xv = UnsafeRawPointer(xs + i).loadUnaligned(as: SIMD16<T>.self)
                var mv = UnsafeRawPointer(ms + i).loadUnaligned(as: SIMD16<T>.self)
                var vv = UnsafeRawPointer(vs + i).loadUnaligned(as: SIMD16<T>.self)
                let a = UnsafeRawPointer(avg + i).loadUnaligned(as: SIMD16<T>.self)
                let delta = a - xv
                let d2 = delta * delta
                mv = b1 * mv + c1 * delta
                switch rule {
                case .adam:
                    vv = b2 * vv + c2 * d2
                case .yogi:
                    let diff = vv - d2
                    var sign = zero
                    sign.replace(with: 1, where: diff .> zero)
                    sign.replace(with: -1, where: diff .< zero)
                    vv = vv - c2 * d2 * sign
                case .adagrad:
                    vv = vv + d2
                }
                xv = xv + lr * mv / (vv.squareRoot() + t)
                UnsafeMutableRawPointer(xs + i).storeBytes(of: xv, as: SIMD16<T>.self)
                UnsafeMutableRawPointer(ms + i).storeBytes(of: mv, as: SIMD16<T>.self)
                UnsafeMutableRawPointer(vs + i).storeBytes(of: vv, as: SIMD16<T>.self)
                i &+= 16
            }
            while i < range.upperBound {
                let delta = avg[i] - xs[i]
                let d2 = delta * delta
                ms[i] = beta1 * ms[i] + (1 - beta1) * delta
                switch rule {
                case .adam:
                    vs[i] = beta2 * vs[i] + (1 - beta2) * d2
                case .yogi:
                    let diff = vs[i] - d2
                    let sign: T = diff > 0 ? 1 : (diff < 0 ? -1 : 0)
                    vs[i] = vs[i] - (1 - beta2) * d2 * sign
                case .adagrad:
                    vs[i] = vs[i] + d2
                }
                xs[i] = xs[i] + eta * ms[i] / (vs[i].squareRoot() + tau)
                i &+= 1
            }
        }
    }

    /// One server-momentum step over every element, in place: g = x − avg; v ← β·v + g; x ← x − η·v.
    package static func momentumStep<T: BinaryFloatingPoint & SIMDScalar>(
        x: UnsafeMutableBufferPointer<T>,
        velocity: UnsafeMutableBufferPointer<T>,
        average: UnsafeBufferPointer<T>,
        eta: T,
        beta: T
    ) {
        precondition(x.count == velocity.count && x.count == average.count)
        guard let xs = x.baseAddress, let vs = velocity.baseAddress, let avg = average.baseAddress else { return }
        Parallel.forEachChunk(count: x.count) { range in
            let b = SIMD16<T>(repeating: beta)
            let lr = SIMD16<T>(repeating: eta)
            var i = range.lowerBound
            while i &+ 16 <= range.upperBound {
                let xv = UnsafeRawPointer(xs + i).loadUnaligned(as: SIMD16<T>.self)
                let a = UnsafeRawPointer(avg + i).loadUnaligned(as: SIMD16<T>.self)
                let vv = b * UnsafeRawPointer(vs + i).loadUnaligned(as: SIMD16<T>.self) + (xv - a)
                UnsafeMutableRawPointer(vs + i).storeBytes(of: vv, as: SIMD16<T>.self)
                UnsafeMutableRawPointer(xs + i).storeBytes(of: xv - lr * vv, as: SIMD16<T>.self)
                i &+= 16
            }
            while i < range.upperBound {
                vs[i] = beta * vs[i] + (xs[i] - avg[i])
                xs[i] = xs[i] - eta * vs[i]
                i &+= 1
            }
        }
    }
}
