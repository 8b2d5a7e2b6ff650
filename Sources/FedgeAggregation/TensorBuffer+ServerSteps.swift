package import FedgeTensor

extension TensorBuffer {
    /// One adaptive server step on the model values in `self` (x): see `Kernels.fedOptStep`.
    package mutating func fedOptStep(
        rule: Kernels.SecondMoment,
        m: inout TensorBuffer,
        v: inout TensorBuffer,
        average: TensorBuffer,
        eta: Double,
        beta1: Double,
        beta2: Double,
        tau: Double
    ) {
        precondition(
            self.precision == m.precision && self.precision == v.precision && self.precision == average.precision
        )
        if self.precision == .float32 {
            self.floats.withUnsafeMutableBufferPointer { x in
                m.floats.withUnsafeMutableBufferPointer { m in
                    v.floats.withUnsafeMutableBufferPointer { v in
                        average.floats.withUnsafeBufferPointer { a in
                            Kernels.fedOptStep(
                                rule: rule,
                                x: x,
                                m: m,
                                v: v,
                                average: a,
                                eta: Float(eta),
                                beta1: Float(beta1),
                                beta2: Float(beta2),
                                tau: Float(tau)
                            )
                        }
                    }
                }
            }
        } else {
            self.doubles.withUnsafeMutableBufferPointer { x in
                m.doubles.withUnsafeMutableBufferPointer { m in
                    v.doubles.withUnsafeMutableBufferPointer { v in
                        average.doubles.withUnsafeBufferPointer { a in
                            Kernels.fedOptStep(
                                rule: rule,
                                x: x,
                                m: m,
                                v: v,
                                average: a,
                                eta: eta,
                                beta1: beta1,
                                beta2: beta2,
                                tau: tau
                            )
                        }
                    }
                }
            }
        }
    }

    /// One server-momentum step on the model values in `self` (x): see `Kernels.momentumStep`.
    package mutating func momentumStep(velocity: inout TensorBuffer, average: TensorBuffer, eta: Double, beta: Double) {
        precondition(self.precision == velocity.precision && self.precision == average.precision)
        if self.precision == .float32 {
            self.floats.withUnsafeMutableBufferPointer { x in
                velocity.floats.withUnsafeMutableBufferPointer { v in
                    average.floats.withUnsafeBufferPointer { a in
                        Kernels.momentumStep(x: x, velocity: v, average: a, eta: Float(eta), beta: Float(beta))
                    }
                }
            }
        } else {
            self.doubles.withUnsafeMutableBufferPointer { x in
                velocity.doubles.withUnsafeMutableBufferPointer { v in
                    average.doubles.withUnsafeBufferPointer { a in
                        Kernels.momentumStep(x: x, velocity: v, average: a, eta: eta, beta: beta)
                    }
                }
            }
        }
    }

    /// Whether `count` elements of `dtype` stored in `bytes` are all finite. Integer dtypes always are.
    package static func allFinite(_ bytes: UnsafeRawBufferPointer, dtype: DType, count: Int) -> Bool {
        guard let base = bytes.baseAddress, count > 0 else { return true }
        switch dtype {
        case .f32: return Kernels.allFinite(F32Lanes.self, base, count: count)
        case .f16: return Kernels.allFinite(F16Lanes.self, base, count: count)
        case .bf16: return Kernels.allFinite(BF16Lanes.self, base, count: count)
        case .f64: return Kernels.allFinite(F64Lanes.self, base, count: count)
        case .i32, .i64, .u8, .bool: return true
        }
    }
}
