import Dispatch
import Foundation
import GRPCCore
import NIOConcurrencyHelpers
import SwiftProtobuf

/// What the handler targets (`combiner`, `controller`) share: an input is one call, its first byte the handler and
/// then its messages, each as a two-byte little-endian length and the message's bytes (at most 16). The call must
/// work or be refused with a gRPC status other than `internal` or `unknown`; anything else traps, which libFuzzer
/// records as a crasher.
enum HandlerCall {
    /// FEDGE_FUZZ_VERBOSE=1 prints how each call ended (to see what a seed or a crasher does).
    static let verbose = ProcessInfo.processInfo.environment["FEDGE_FUZZ_VERBOSE"] != nil

    /// Runs the call `bytes` describe with `call`, from the calling thread (outside Swift's concurrency pool).
    static func run<Handler: Sendable>(
        _ bytes: [UInt8],
        handlers: [Handler],
        _ call: @escaping @Sendable (Handler, [[UInt8]]) async throws -> Void
    ) {
        guard let first = bytes.first, !handlers.isEmpty else { return }
        let handler = handlers[Int(first) % handlers.count]
        let messages = Self.split(bytes.dropFirst())
        let outcome: (any Error)? = Self.blocking {
            do {
                try await call(handler, messages)
                return nil
            } catch {
                return error
            }
        }
        if Self.verbose { print("\(handler): \(outcome.map { "\($0)" } ?? "ok")") }
        guard let outcome else { return }
        guard let error = outcome as? RPCError else {
            fatalError("fuzz: \(handler) ended with an error that is no gRPC status: \(outcome)")
        }
        if error.code == .internalError || error.code == .unknown {
            fatalError("fuzz: \(handler) answered \(error.code): \(error.message)")
        }
    }

    /// The messages of a call: each a two-byte little-endian length and that many bytes; at most 16.
    static func split(_ bytes: ArraySlice<UInt8>) -> [[UInt8]] {
        var messages: [[UInt8]] = []
        var rest = bytes
        while rest.count >= 2, messages.count < 16 {
            let length = Int(rest[rest.startIndex]) | Int(rest[rest.startIndex + 1]) << 8
            rest = rest.dropFirst(2)
            messages.append(Array(rest.prefix(length)))
            rest = rest.dropFirst(length)
        }
        return messages
    }

    /// A call as an input: the handler's byte, then each message with its length.
    static func input(_ handler: UInt8, _ messages: [any SwiftProtobuf.Message]) throws -> [UInt8] {
        var bytes = [handler]
        for message in messages {
            let encoded: [UInt8] = try message.serializedBytes()
            bytes += [UInt8(encoded.count & 0xff), UInt8(encoded.count >> 8 & 0xff)] + encoded
        }
        return bytes
    }

    /// Every call's options: a deadline, so that a hang is a failed call rather than a stuck fuzzer.
    static var options: CallOptions {
        var options = CallOptions.defaults
        options.timeout = .seconds(10)
        return options
    }

    /// The node a target runs every input against, started by `start` on first use; a node that cannot start ends
    /// the fuzzer with the reason.
    static func node<Node: Sendable>(_ what: String, _ start: @escaping @Sendable () async throws -> Node) -> Node {
        Self.blocking {
            do {
                return try await start()
            } catch {
                fatalError("fuzz: the \(what) did not start: \(error)")
            }
        }
    }

    /// Runs `body` to its end from a thread outside Swift's concurrency pool (libFuzzer's, or a test's own).
    static func blocking<R: Sendable>(_ body: @escaping @Sendable () async -> R) -> R {
        let done = DispatchSemaphore(value: 0)
        let result = NIOLockedValueBox<R?>(nil)
        Task {
            let value = await body()
            result.withLockedValue { $0 = value }
            done.signal()
        }
        done.wait()
        return result.withLockedValue { $0! }
    }
}
