package import FedgeCore
package import FedgeTensor
package import Foundation
import ZIPFoundation

/// NumPy's `.npz` models, as FEDn's `numpyhelper` writes them: a zip of `.npy` arrays named `0`, `1`, … in the
/// model's order (compressed with `np.savez_compressed`, or stored with `np.savez`). Fedge converts at the boundary
/// of a FEDn package: safetensors tensors become arrays in their order with their dtype, and back.
package enum NumpyArchive {
    /// One array: its dtype, shape and little-endian bytes.
    package struct Array: Sendable, Hashable {
        package var dtype: DType
        package var shape: [Int]
        package var bytes: [UInt8]

        package init(dtype: DType, shape: [Int], bytes: [UInt8]) {
            self.dtype = dtype
            self.shape = shape
            self.bytes = bytes
        }
    }

    /// Writes `arrays` as `0.npy`, `1.npy`, … into a new `.npz` at `path` (deflate-compressed, as
    /// `np.savez_compressed` does).
    package static func write(_ arrays: [Array], to path: String) throws {
        try Self.write(named: arrays.enumerated().map { ("\($0.offset)", $0.element) }, to: path)
    }

    /// Writes `arrays` under their names (`NAME.npy`) into a new `.npz` at `path`.
    package static func write(named arrays: [(name: String, array: Array)], to path: String) throws {
        try? FileManager.default.removeItem(atPath: path)
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
        for (name, array) in arrays {
            let data = Data(try Self.npy(array))
            try archive.addEntry(
                with: "\(name).npy",
                type: .file,
                uncompressedSize: Int64(data.count),
                compressionMethod: .deflate
            ) { position, size in
                data.subdata(in: Int(position)..<(Int(position) + size))
            }
        }
    }

    /// Reads the arrays of the `.npz` at `path`, in FEDn's order: by their names as numbers when they are all
    /// numbers (`0`, `1`, …, or `arr_0`, `arr_1`, … from `np.savez(*arrays)`), else in the archive's order.
    package static func read(_ path: String) throws(NumpyError) -> [(name: String, array: Array)] {
        let archive: Archive
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw NumpyError("\((path as NSString).lastPathComponent) is not an .npz (zip) archive: \(error)")
        }
        var arrays: [(name: String, array: Array)] = []
        for entry in archive where entry.type == .file {
            guard entry.path.hasSuffix(".npy") else { continue }
            guard entry.uncompressedSize < 1 << 34 else { throw NumpyError("\(entry.path) is too large") }
            var bytes: [UInt8] = []
            do {
                _ = try archive.extract(entry) { bytes.append(contentsOf: $0) }
            } catch {
                throw NumpyError("cannot read \(entry.path) from the archive: \(error)")
            }
            let name = String(entry.path.dropLast(4))
            arrays.append((name, try Self.parse(bytes, name: name)))
        }
        func number(_ name: String) -> Int? { Int(name.hasPrefix("arr_") ? String(name.dropFirst(4)) : name) }
        if arrays.allSatisfy({ number($0.name) != nil }) {
            arrays.sort { number($0.name)! < number($1.name)! }
        }
        return arrays
    }

    /// An array as `.npy` version 1.0 bytes.
    static func npy(_ array: Array) throws -> [UInt8] {
        guard let descr = Self.descr(array.dtype) else {
            throw NumpyError("NumPy has no dtype for \(array.dtype)")
        }
        let shape =
            array.shape.isEmpty
            ? "()"
            : array.shape.count == 1
                ? "(\(array.shape[0]),)" : "(" + array.shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let length = UInt16(header.utf8.count)
        return [0x93] + Swift.Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xff), UInt8(length >> 8)]
            + Swift.Array(header.utf8) + array.bytes
    }

    /// Reads `.npy` bytes.
    static func parse(_ bytes: [UInt8], name: String) throws(NumpyError) -> Array {
        guard bytes.count >= 10, bytes[0] == 0x93, Swift.Array(bytes[1..<6]) == Swift.Array("NUMPY".utf8) else {
            throw NumpyError("\(name) is not a .npy array")
        }
        let major = bytes[6]
        let (length, start): (Int, Int) =
            major == 1
            ? (Int(bytes[8]) | Int(bytes[9]) << 8, 10)
            : (
                bytes.count >= 12
                    ? Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24 : 0, 12
            )
        guard length > 0, start + length <= bytes.count else { throw NumpyError("\(name) has a damaged header") }
        let header = String(decoding: bytes[start..<(start + length)], as: UTF8.self)
        func field(_ key: String) -> String? {
            guard let range = header.range(of: "'\(key)':") else { return nil }
            return String(header[range.upperBound...]).trimmingCharacters(in: .whitespaces)
        }
        guard let descrField = field("descr"), let quote = descrField.first, quote == "'" || quote == "\"",
            let end = descrField.dropFirst().firstIndex(of: quote)
        else { throw NumpyError("\(name) has no dtype in its header") }
        let descr = String(descrField[descrField.index(after: descrField.startIndex)..<end])
        guard let dtype = Self.dtype(descr) else {
            throw NumpyError("\(name) has dtype '\(descr)', which Fedge cannot hold (floats, int32/64, uint8, bool)")
        }
        guard field("fortran_order")?.hasPrefix("False") == true else {
            throw NumpyError("\(name) is in Fortran order; save it in C order")
        }
        // A damaged header must be refused, never trap: `)` before `(`, dimensions that are not non-negative
        // numbers, or a product that overflows (all found by fuzzing).
        guard let shapeField = field("shape"), let open = shapeField.firstIndex(of: "("),
            let close = shapeField[open...].firstIndex(of: ")")
        else { throw NumpyError("\(name) has no shape in its header") }
        let parts = shapeField[shapeField.index(after: open)..<close].split(
            separator: ",",
            omittingEmptySubsequences: false
        )
        .map { $0.trimmingCharacters(in: .whitespaces) }
        var shape: [Int] = []
        for (index, part) in parts.enumerated() {
            if part.isEmpty && index == parts.count - 1 && index > 0 { continue }  // the trailing comma of `(3,)`
            if part.isEmpty && parts.count == 1 { continue }  // `()`, a scalar
            guard let dimension = Int(part), dimension >= 0 else {
                throw NumpyError("\(name) has a shape with '\(part)', not a dimension")
            }
            shape.append(dimension)
        }
        var count = 1
        for dimension in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow, product <= bytes.count else {
                throw NumpyError("\(name) has shape \(shape), larger than its \(bytes.count) bytes")
            }
            count = product
        }
        let data = Swift.Array(bytes[(start + length)...])
        guard data.count == count * dtype.byteWidth else {
            throw NumpyError(
                "\(name) holds \(data.count) bytes; its shape \(shape) of \(descr) needs \(count * dtype.byteWidth)"
            )
        }
        return Array(dtype: dtype, shape: shape, bytes: data)
    }

    private static func descr(_ dtype: DType) -> String? {
        switch dtype {
        case .f32: "<f4"
        case .f64: "<f8"
        case .f16: "<f2"
        case .i32: "<i4"
        case .i64: "<i8"
        case .u8: "|u1"
        case .bool: "|b1"
        case .bf16: nil
        }
    }

    private static func dtype(_ descr: String) -> DType? {
        switch descr {
        case "<f4", "=f4": .f32
        case "<f8", "=f8": .f64
        case "<f2", "=f2": .f16
        case "<i4", "=i4": .i32
        case "<i8", "=i8": .i64
        case "|u1", "<u1", "u1": .u8
        case "|b1", "<b1", "?": .bool
        default: nil
        }
    }
}

/// An `.npz` or `.npy` that Fedge cannot read or write, with the reason.
package struct NumpyError: Error, Sendable, Hashable, CustomStringConvertible {
    package var description: String

    package init(_ description: String) { self.description = description }
}

extension NumpyArchive {
    /// Writes the safetensors model at `model` as an `.npz` at `path`: its tensors in their order. BF16 has no
    /// NumPy dtype and is refused.
    package static func convert(safetensors model: String, toNPZ path: String) throws {
        let file = try SafetensorsFile(path: model)
        let arrays = try file.tensors.indices.map { index -> Array in
            let descriptor = file.descriptors[index]
            guard descriptor.dtype != .bf16 else {
                throw NumpyError("tensor '\(descriptor.name)' is BF16, which NumPy cannot hold")
            }
            return Array(
                dtype: descriptor.dtype,
                shape: descriptor.shape,
                bytes: file.withTensorBytes(at: index) { Swift.Array($0) }
            )
        }
        try Self.write(arrays, to: path)
    }

    /// Writes the `.npz` at `npz` as a safetensors model at `path`, its arrays named as the tensors of `like` (in
    /// order; their count, shapes and dtypes must match), or `0`, `1`, … without `like`.
    @discardableResult
    package static func convert(
        npz: String,
        toSafetensors path: String,
        like reference: String? = nil
    ) throws -> ModelID {
        let arrays = try Self.read(npz)
        var model = InMemoryModel()
        if let reference {
            let descriptors = try SafetensorsFile(path: reference).descriptors
            guard descriptors.count == arrays.count else {
                throw NumpyError(
                    "the package's model has \(arrays.count) arrays; the global model has \(descriptors.count) tensors"
                )
            }
            for (descriptor, (name, array)) in zip(descriptors, arrays) {
                guard descriptor.shape == array.shape, descriptor.dtype == array.dtype else {
                    throw NumpyError(
                        "array \(name) is \(array.dtype) \(array.shape); the global model's tensor '\(descriptor.name)' is \(descriptor.dtype) \(descriptor.shape)"
                    )
                }
                model.append(
                    TensorDescriptor(name: descriptor.name, dtype: array.dtype, shape: array.shape),
                    bytes: array.bytes
                )
            }
        } else {
            for (index, (_, array)) in arrays.enumerated() {
                model.append(
                    TensorDescriptor(name: "\(index)", dtype: array.dtype, shape: array.shape),
                    bytes: array.bytes
                )
            }
        }
        return try SafetensorsWriter.write(model, to: path, durability: .atomic)  // a task's output, uploaded
    }
}
