package import GRPCCore
package import SwiftProtobuf

/// Byte-level mutations for fuzzing by hand: bytes flipped, inserted, dropped, a run duplicated, the end cut off.
package enum ByteMutation {
    /// `original` with one to four mutations.
    package static func mutate(_ original: [UInt8], using generator: inout SeededGenerator) -> [UInt8] {
        var bytes = original
        for _ in 0...Int.random(in: 0...3, using: &generator) {
            let at = Int.random(in: 0..<max(bytes.count, 1), using: &generator)
            switch Int.random(in: 0..<5, using: &generator) {
            case 0 where !bytes.isEmpty: bytes[at] ^= UInt8(1 << Int.random(in: 0..<8, using: &generator))
            case 1: bytes.insert(UInt8.random(in: 0...255, using: &generator), at: min(at, bytes.count))
            case 2 where !bytes.isEmpty: bytes.remove(at: at)
            case 3 where !bytes.isEmpty:
                let end = min(bytes.count, at + Int.random(in: 1...8, using: &generator))
                bytes.insert(contentsOf: bytes[at..<end], at: at)
            default: bytes = Array(bytes.prefix(at))
            }
        }
        return bytes
    }

    /// The first of up to 20 mutations of `serialized` that `decode` accepts, or nil.
    package static func first<Value>(
        of serialized: [UInt8],
        using generator: inout SeededGenerator,
        decode: ([UInt8]) -> Value?
    ) -> Value? {
        for _ in 0..<20 {
            if let value = decode(Self.mutate(serialized, using: &generator)) { return value }
        }
        return nil
    }
}

extension ByteMutation {
    /// A mutation of `message` that still decodes as its type (protobuf is lenient: unknown fields are kept, so most
    /// do), or the message itself.
    package static func message<M: SwiftProtobuf.Message>(_ message: M, using generator: inout SeededGenerator) -> M {
        guard let original: [UInt8] = try? message.serializedBytes(), !original.isEmpty else { return message }
        return Self.first(of: original, using: &generator) { try? M(serializedBytes: $0) } ?? message
    }
}

/// The calls a fuzz of gRPC handlers made and how they ended.
package struct HandlerOutcomes: Sendable {
    package var calls = 0
    package var byCode: [String: Int] = [:]
    package var unexpected: [String] = []

    package init() {}

    /// A refusal is expected (a status and a sentence); `internal`, `unknown` or an error that is not an `RPCError`
    /// is not.
    package mutating func record(_ handler: String, _ error: (any Error)?) {
        self.calls += 1
        guard let error else {
            self.byCode["\(handler) ok", default: 0] += 1
            return
        }
        guard let rpc = error as? RPCError else {
            self.unexpected.append("\(handler): not an RPC error: \(error)")
            return
        }
        self.byCode["\(handler) \(rpc.code)", default: 0] += 1
        if rpc.code == .internalError || rpc.code == .unknown || rpc.message.isEmpty {
            self.unexpected.append("\(handler): \(rpc.code): \(rpc.message)")
        }
    }

    package var summary: String {
        self.byCode.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }

    /// How a call ended: nil when it worked, else its error.
    package static func outcome(_ call: () async throws -> Void) async -> (any Error)? {
        do {
            try await call()
            return nil
        } catch {
            return error
        }
    }
}
