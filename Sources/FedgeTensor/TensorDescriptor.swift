/// A tensor's name, element type and shape: everything but its bytes.
package struct TensorDescriptor: Hashable, Sendable, CustomStringConvertible {
    package var name: String
    package var dtype: DType
    /// Dimensions, outermost first. An empty shape is a scalar (one element).
    package var shape: [Int]

    package init(name: String, dtype: DType, shape: [Int]) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
    }

    /// The number of elements, or `nil` when a dimension is negative or the product overflows.
    package var checkedElementCount: Int? {
        var count = 1
        for dimension in self.shape {
            guard dimension >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            count = product
        }
        return count
    }

    /// The number of elements. Only call on descriptors that passed validation.
    package var elementCount: Int { self.checkedElementCount ?? 0 }

    /// The number of bytes, or `nil` on overflow.
    package var checkedByteCount: Int? {
        guard let count = self.checkedElementCount else { return nil }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: self.dtype.byteWidth)
        return overflow ? nil : bytes
    }

    /// The number of bytes. Only call on descriptors that passed validation.
    package var byteCount: Int { self.checkedByteCount ?? 0 }

    package var description: String {
        "\(self.name): \(self.dtype)[\(self.shape.map(String.init).joined(separator: ", "))]"
    }
}
