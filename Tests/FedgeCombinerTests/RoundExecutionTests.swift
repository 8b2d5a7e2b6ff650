import FedgeAggregation
import FedgeCombiner
import FedgeCore
import FedgeEdge
import FedgeProto
import FedgeRPC
import FedgeTensor
import FedgeTestSupport
import Foundation
import Synchronization
import Testing

@Suite("Rounds, in process")
struct RoundExecutionTests {
    @Test func twentyClientsThreeRoundsOfFedAvgEqualFedgeAggregate() async throws {
        try await withTemporaryDirectory { dir in
            let record = URL(fileURLWithPath: dir)
            let trainers: [any Trainer] = (1...20).map { i in
                RecordingTrainer(
                    delta: Float(i) * 0.01,
                    weight: Double(i),
                    record: record.appendingPathComponent("client-\(i)")
                )
            }
            let seedPath = dir + "/seed.safetensors"
            try SafetensorsWriter.write(seedModel(), to: seedPath)
            let (outcome, committed) = try await Federation.with(trainers: trainers) { federation in
                try await federation.waitForClients(20)
                var plan = LocalPlan(model: seedPath)
                plan.rounds = 3
                plan.waitForClients = 20
                plan.clientsRequired = 20
                plan.roundTimeout = 60
                let outcome = try await LocalDriver(
                    plan: plan,
                    combiner: federation.combiner,
                    logger: Federation.logger
                ).run()
                let store = federation.combiner.runner.models
                let committed = try outcome.models.map {
                    RandomModel.flatFloats(try SafetensorsFile(path: store.path(for: $0)))
                }
                return (outcome, committed)
            }
            #expect(outcome.models.count == 3)
            #expect(outcome.results.allSatisfy { $0.succeeded && $0.received == 20 })
            guard let fedge = ExternalTools.builtExecutable("fedge") else {
                Issue.record("the fedge executable was not built")
                return
            }
            var base = seedPath
            for round in 1...3 {
                let updates = (1...20).map { i in
                    "\(dir)/client-\(i)/r\(round)-\(Float(i) * 0.01).safetensors:\(i)"
                }
                let out = "\(dir)/offline-\(round).safetensors"
                let result = try await ExternalTools.run(fedge, ["aggregate", "--base", base, "--out", out] + updates)
                #expect(result.status == 0, "\(result.stderr)")
                let offline = RandomModel.flatFloats(try SafetensorsFile(path: out))
                let federated = committed[round - 1]
                #expect(offline.count == federated.count)
                let worst = zip(offline, federated).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 1
                #expect(worst < 1e-6, "round \(round): worst relative difference \(worst)")
                base = out
            }
        }
    }

    @Test func aClientThatNeverAnswersIsLeftBehindAtTheDeadline() async throws {
        let cancelled = Atomic<Int>.Box()
        try await withTemporaryDirectory { dir in
            let record = URL(fileURLWithPath: dir)
            let trainers: [any Trainer] =
                (1...3).map { RecordingTrainer(delta: Float($0), weight: 1, record: record) }
                + [HangingTrainer(cancelled: cancelled)]
            let clock = ManualClock()
            try await Federation.with(trainers: trainers, clock: clock) { federation in
                try await federation.waitForClients(4)
                let model = try federation.importModel(seedModel())
                let runner = federation.combiner.runner
                let round = Task { try await runner.execute(federation.plan(model, timeout: 2, minUpdates: 2)) }
                // Three updates arrive; the fourth client never answers, and the round waits for its deadline.
                while await runner.progress()?.received ?? 0 < 3 { try await Task.sleep(for: .milliseconds(5)) }
                try await clock.waitForSleepers()
                clock.advance(by: .milliseconds(1999))
                try await Task.sleep(for: .milliseconds(50))
                #expect(await runner.progress() != nil, "the round is still open just before its deadline")
                clock.advance(by: .milliseconds(1))
                let result = try await round.value
                #expect(result.succeeded, "\(result.reason)")
                #expect(result.selected == 4)
                #expect(result.received == 3)
                #expect(result.partial?.contributions.count == 3)
                #expect(result.reason.contains("deadline"))
                // The straggler was told to stop.
                for _ in 0..<200 where cancelled.current == 0 { try await Task.sleep(for: .milliseconds(10)) }
                #expect(cancelled.current == 1)
            }
        }
    }

    @Test func aRoundWithoutItsMinimumFails() async throws {
        let cancelled = Atomic<Int>.Box()
        let clock = ManualClock()
        let trainers = [HangingTrainer(cancelled: cancelled), HangingTrainer(cancelled: cancelled)]
        try await Federation.with(trainers: trainers, clock: clock) { federation in
            try await federation.waitForClients(2)
            let model = try federation.importModel(seedModel())
            let runner = federation.combiner.runner
            let round = Task { try await runner.execute(federation.plan(model, timeout: 1, minUpdates: 1)) }
            try await clock.waitForSleepers()
            clock.advance(by: .seconds(1))
            let result = try await round.value
            #expect(!result.succeeded)
            #expect(result.partial == nil)
            #expect(result.reason.contains("needs 1"))
            // Too few clients: the round waits for more until half its time is gone, then gives up.
            let waiting = Task { try await runner.execute(federation.plan(model, timeout: 1, minUpdates: 5)) }
            try await clock.waitForSleepers()
            #expect(await federation.combiner.registry.eligible().count == 2)
            clock.advance(by: .milliseconds(300))
            try await clock.waitForSleepers()
            clock.advance(by: .milliseconds(300))
            let tooMany = try await waiting.value
            #expect(!tooMany.succeeded)
            #expect(tooMany.reason.contains("at least 5"))
        }
    }

    @Test func aClientKilledMidUploadLeavesNothingBehind() async throws {
        try await withTemporaryDirectory { dir in
            let record = URL(fileURLWithPath: dir)
            let trainers: [any Trainer] = (1...2).map { RecordingTrainer(delta: Float($0), weight: 1, record: record) }
            try await Federation.with(trainers: trainers) { federation in
                let model = try federation.importModel(seedModel(elements: 400_000))
                try await RawClient.with("saboteur", over: federation) { raw in
                    try await federation.waitForClients(3)
                    // Time for the two trainers' work: scaled, as the whole suite under a sanitizer slows it.
                    async let result = federation.combiner.runner.execute(
                        federation.plan(model, timeout: TestTime.scaled(10), minUpdates: 2)
                    )
                    let task = try await raw.nextTask()
                    await raw.abortedUpload(for: task, size: federation.combiner.runner.models.size(of: model))
                    // The broken upload left the task open: a good upload for it is still taken.
                    let retry = await raw.upload(try update(of: federation, task, delta: 3), for: task, weight: 1)
                    #expect((try? retry.get()) != nil, "\(retry)")
                    let closed = try await result
                    #expect(closed.succeeded)
                    #expect(closed.received == 3)
                }
                #expect(federation.spoolLeftovers().isEmpty, "\(federation.spoolLeftovers())")
            }
        }
    }

    /// A client dials again while its old control stream still looks open (a stalled link), takes a task on the new
    /// stream, and only then does the old one end: the task stays the client's and its update is taken.
    @Test func aReplacedStreamEndingLeavesTheNewStreamsTaskAlone() async throws {
        let clock = ManualClock()
        try await Federation.with(trainers: [], clock: clock) { federation in
            let model = try federation.importModel(seedModel())
            let (release, releaseOld) = AsyncStream.makeStream(of: Void.self)
            let old = Task {
                try await RawClient.with("redialler", over: federation) { _ in for await _ in release {} }
            }
            try await federation.waitForClients(1)
            try await RawClient.with("redialler", over: federation) { raw in
                let runner = federation.combiner.runner
                let round = Task { try await runner.execute(federation.plan(model, timeout: 10, minUpdates: 1)) }
                let task = try await raw.nextTask()
                releaseOld.finish()
                try await old.value
                // The combiner handles the old stream's end on its own time; before the fix it failed the task here.
                try await Task.sleep(for: .milliseconds(200))
                #expect(await runner.progress()?.failed == 0)
                let upload = await raw.upload(try update(of: federation, task, delta: 1), for: task, weight: 1)
                #expect((try? upload.get()) != nil, "\(upload)")
                let result = try await round.value
                #expect(result.succeeded && result.received == 1, "\(result.reason)")
            }
        }
    }

    /// A task written on a stream its client had already given up (a stalled link: the client notices first and
    /// dials again, the combiner hears of it only once bytes flow) is sent again on the client's new stream, and
    /// the round gets the update instead of waiting for its deadline. (NetworkFaultTests' stalled link showed it:
    /// a round with 1 update of 3.)
    @Test(.timeLimit(.minutes(1))) func aTaskWrittenOnAGivenUpStreamIsSentAgainOnTheNewOne() async throws {
        let clock = ManualClock()
        try await Federation.with(trainers: [], clock: clock) { federation in
            let model = try federation.importModel(seedModel())
            let (release, releaseOld) = AsyncStream.makeStream(of: Void.self)
            let (written, writtenSink) = AsyncStream.makeStream(of: String.self)
            let old = Task {
                try await RawClient.with("redialler", over: federation) { raw in
                    // The task arrives on a stream the client no longer reads: it never acts on it.
                    writtenSink.yield(try await raw.nextTask().taskID)
                    for await _ in release {}
                }
            }
            try await federation.waitForClients(1)
            let runner = federation.combiner.runner
            let round = Task { try await runner.execute(federation.plan(model, timeout: 10, minUpdates: 1)) }
            var writtenIDs = written.makeAsyncIterator()
            let first = await writtenIDs.next()
            try await RawClient.with("redialler", over: federation) { raw in
                let again = try await raw.nextTask()
                #expect(again.taskID == first)
                releaseOld.finish()
                try await old.value
                let upload = await raw.upload(try update(of: federation, again, delta: 1), for: again, weight: 1)
                #expect((try? upload.get()) != nil, "\(upload)")
                let result = try await round.value
                #expect(result.succeeded && result.received == 1, "\(result.reason)")
            }
        }
    }

    @Test func staleDuplicateAndMalformedUpdatesAreRefusedAndCounted() async throws {
        let cancelled = Atomic<Int>.Box()
        let clock = ManualClock()
        try await Federation.with(trainers: [HangingTrainer(cancelled: cancelled)], clock: clock) { federation in
            let model = try federation.importModel(seedModel())
            try await RawClient.with("r1", over: federation) { r1 in
                try await RawClient.with("r2", over: federation) { r2 in
                    try await federation.waitForClients(3)
                    async let closing = federation.combiner.runner.execute(
                        federation.plan(model, timeout: 4, minUpdates: 1)
                    )
                    let t1 = try await r1.nextTask()
                    let t2 = try await r2.nextTask()
                    let good = try update(of: federation, t1, delta: 0.5)
                    var nan = good
                    nan.data[0].replaceSubrange(0..<4, with: withUnsafeBytes(of: Float.nan) { Array($0) })
                    var wrong = InMemoryModel()
                    wrong.append(name: "w", shape: [3], floats: [1, 2, 3])

                    #expect(await r1.upload(nan, for: t1).refusal == .nonFinite)
                    #expect(await r1.upload(wrong, for: t1).refusal == .wrongShape)
                    #expect(await r1.upload(good, for: t1, weight: 0).refusal == .badWeight)
                    #expect(await r2.upload(good, for: t1).refusal == .notAssigned)
                    #expect(await r2.upload(good, for: t2, corruptHash: true).refusal == .hashMismatch)
                    #expect(await r2.upload(good, for: t2) { $0.round = 0 }.refusal == .staleRound)
                    #expect(await r2.upload(good, for: t2) { $0.taskID = "nope" }.refusal == .unknownTask)
                    #expect(await r2.upload(good, for: t2) { $0.size = 1 << 40 }.refusal == .tooLarge)
                    #expect(await r1.upload(good, for: t1).refusal == nil)
                    #expect(await r1.upload(good, for: t1).refusal == .duplicate)
                    // The deadline passes (on the test clock): the round closes with the one update.
                    try await clock.waitForSleepers()
                    clock.advance(by: .seconds(4))
                    let result = try await closing
                    #expect(result.succeeded)
                    #expect(result.received == 1)
                    // After the round closed, the straggler's update is stale.
                    #expect(await r2.upload(good, for: t2).refusal == .staleRound)
                }
            }
            let refusals = await federation.combiner.runner.refusals
            for refusal: Refusal in [
                .nonFinite, .wrongShape, .badWeight, .notAssigned, .hashMismatch, .unknownTask, .tooLarge, .duplicate,
            ] {
                #expect(refusals[refusal] == 1, "\(refusal): \(refusals)")
            }
            #expect(refusals[.staleRound] == 2)
            #expect(federation.spoolLeftovers().isEmpty, "\(federation.spoolLeftovers())")
        }
    }

    @Test func validationRoundsCollectMetrics() async throws {
        try await withTemporaryDirectory { dir in
            let record = URL(fileURLWithPath: dir)
            let trainers: [any Trainer] = (1...3).map { RecordingTrainer(delta: Float($0), weight: 1, record: record) }
            try await Federation.with(trainers: trainers) { federation in
                try await federation.waitForClients(3)
                let model = try federation.importModel(seedModel())
                var plan = federation.plan(model)
                plan.kind = .validate
                let result = try await federation.combiner.runner.execute(plan)
                #expect(result.succeeded)
                #expect(result.partial == nil)
                #expect(Set(result.validations.keys) == ["client-1", "client-2", "client-3"])
                #expect(result.validations["client-2"]?["accuracy"] == 2)
            }
        }
    }
}

extension Result where Failure == RefusalError {
    var refusal: Refusal? {
        if case .failure(let error) = self { return error.refusal }
        return nil
    }
}
