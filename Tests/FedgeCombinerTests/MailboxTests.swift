import FedgeCombiner
import Testing

@Suite("Mailbox: a stream's instructions, written by a task only while some wait", .timeLimit(.minutes(1)))
struct MailboxTests {
    /// A writer that hands what it writes to the test, in order.
    static func recorder() -> (Mailbox<Int>.Writer, AsyncStream<Int>.AsyncIterator) {
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        return ({ continuation.yield($0) }, stream.makeAsyncIterator())
    }

    /// Polls `condition` for up to 10 s (the writing task ends on its own, a moment after its last write).
    static func soon(_ condition: () -> Bool) async throws -> Bool {
        for _ in 0..<1000 {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    @Test func messagesWaitForTheWriterAndKeepTheirOrder() async throws {
        let mailbox = Mailbox<Int>()
        for message in 1...3 { #expect(mailbox.send(message)) }
        #expect(!mailbox.isWriting, "nothing writes before the stream's writer is there")
        let (write, recorded) = Self.recorder()
        var written = recorded
        mailbox.start(writing: write)
        #expect(await [written.next(), written.next(), written.next()] == [1, 2, 3])
        #expect(try await Self.soon { !mailbox.isWriting }, "the writing task ends once the queue is empty")
        for message in 4...100 { mailbox.send(message) }
        var rest: [Int] = []
        for _ in 4...100 { rest.append(await written.next() ?? -1) }
        #expect(rest == Array(4...100))
        #expect(try await Self.soon { !mailbox.isWriting })
    }

    @Test func finishDropsWhatWaitsAndRefusesWhatComes() async throws {
        let mailbox = Mailbox<Int>()
        #expect(mailbox.send(1))
        mailbox.finish()
        #expect(!mailbox.send(2))
        let (write, _) = Self.recorder()
        mailbox.start(writing: write)
        #expect(!mailbox.isWriting, "a finished mailbox starts no writer")
    }

    @Test func closeCancelsAWriteInProgressAndReturnsOnceItEnded() async throws {
        let mailbox = Mailbox<Int>()
        let (entered, enteredContinuation) = AsyncStream.makeStream(of: Int.self)
        mailbox.start { message in
            enteredContinuation.yield(message)
            try await Task.sleep(for: .seconds(3600))  // a peer that never reads: ends only when cancelled
        }
        mailbox.send(1)
        mailbox.send(2)
        var iterator = entered.makeAsyncIterator()
        #expect(await iterator.next() == 1)
        await mailbox.close()
        #expect(!mailbox.isWriting)
        #expect(!mailbox.send(3))
        enteredContinuation.finish()
        #expect(await iterator.next() == nil, "the message waiting behind the blocked write was dropped")
    }

    @Test func aFailedWriteEndsTheMailbox() async throws {
        struct Gone: Error {}
        let mailbox = Mailbox<Int>()
        mailbox.start { _ in throw Gone() }
        #expect(mailbox.send(1))
        #expect(try await Self.soon { !mailbox.isWriting })
        #expect(!mailbox.send(2), "the stream is gone: later messages are refused, not queued for nobody")
    }
}
