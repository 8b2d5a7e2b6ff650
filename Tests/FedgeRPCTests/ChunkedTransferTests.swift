import FedgeCore
import FedgeProto
import FedgeRPC
import FedgeTensor
import FedgeTestSupport
import Foundation
import SwiftProtobuf
import Testing

@Suite("Chunked transfer")
struct ChunkedTransferTests {
    /// Sends `bytes` as a model transfer and collects the messages.
    static func messages(for bytes: [UInt8], in dir: String) async throws -> [Fedge_V1_ModelChunk] {
        let path = dir + "/source"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let collected = Collector()
        try await ChunkedTransfer.send(
            file: path,
            header: .with { $0.size = UInt64(bytes.count) },
            as: Fedge_V1_ModelChunk.self
        ) {
            collected.append($0)
        }
        return collected.items
    }

    static func receive(
        _ messages: [Fedge_V1_ModelChunk],
        in dir: String,
        maxBytes: UInt64 = .max
    ) async throws -> ChunkedTransfer.Received<Fedge_V1_TransferHeader> {
        try await ChunkedTransfer.receive(
            AsyncStream { continuation in
                for message in messages { continuation.yield(message) }
                continuation.finish()
            },
            spoolDirectory: dir + "/spool",
            maxBytes: maxBytes,
            declaredSize: { (header: Fedge_V1_TransferHeader) in header.size },
            destination: { _, id in dir + "/\(id.hex)" }
        )
    }

    static func leftovers(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir + "/spool")) ?? [])
    }

    @Test(arguments: [0, 1, ChunkedTransfer.chunkSize, ChunkedTransfer.chunkSize * 2 + 17])
    func roundTripChecksTheHash(size: Int) async throws {
        try await withTemporaryDirectory { dir in
            var generator = SeededGenerator(seed: UInt64(size))
            let bytes = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let messages = try await Self.messages(for: bytes, in: dir)
            #expect(messages.count == 2 + (size + ChunkedTransfer.chunkSize - 1) / ChunkedTransfer.chunkSize)
            #expect(messages.allSatisfy { ($0.data.count) <= ChunkedTransfer.chunkSize })
            let received = try await Self.receive(messages, in: dir)
            #expect(try Data(contentsOf: URL(fileURLWithPath: received.path)) == Data(bytes))
            #expect(received.id == (try ModelID.ofFile(atPath: dir + "/source")))
            #expect(Self.leftovers(dir).isEmpty)
        }
    }

    enum Damage: CaseIterable, Sendable {
        case wrongHash, missingTrailer, missingHeader, extraBytes, fewerBytes, twoHeaders, afterTrailer, tooLarge
    }

    @Test(arguments: Damage.allCases)
    func damagedStreamsAreRefusedAndLeaveNothing(damage: Damage) async throws {
        try await withTemporaryDirectory { dir in
            var messages = try await Self.messages(for: [UInt8](repeating: 3, count: 3000), in: dir)
            var maxBytes = UInt64.max
            let expected: Refusal
            switch damage {
            case .wrongHash:
                messages[messages.count - 1] = .init(.trailer(sha256: String(repeating: "a", count: 64)))
                expected = .hashMismatch
            case .missingTrailer:
                messages.removeLast()
                expected = .incomplete
            case .missingHeader:
                messages.removeFirst()
                expected = .malformed
            case .extraBytes:
                messages.insert(.init(.data(Data([1]))), at: 2)
                expected = .malformed
            case .fewerBytes:
                messages[1] = .init(.data(Data([1, 2])))
                expected = .malformed
            case .twoHeaders:
                messages.insert(messages[0], at: 1)
                expected = .malformed
            case .afterTrailer:
                messages.append(.init(.data(Data([1]))))
                expected = .malformed
            case .tooLarge:
                maxBytes = 100
                expected = .tooLarge
            }
            do {
                _ = try await Self.receive(messages, in: dir, maxBytes: maxBytes)
                Issue.record("a damaged stream was accepted")
            } catch {
                #expect(RefusalError(error)?.refusal == expected, "\(error)")
            }
            #expect(Self.leftovers(dir).isEmpty)
        }
    }
}

/// Collects messages from a sending closure.
final class Collector: @unchecked Sendable {
    // Only touched from the one task running the send.
    var items: [Fedge_V1_ModelChunk] = []
    func append(_ item: Fedge_V1_ModelChunk) { self.items.append(item) }
}
