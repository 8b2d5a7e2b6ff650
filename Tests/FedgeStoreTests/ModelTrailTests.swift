import FedgeCore
import FedgeStore
import FedgeTestSupport
import Foundation
import GRDB
import Testing

@Suite("Model trail")
struct ModelTrailTests {
    static func id(_ n: UInt8) -> ModelID { ModelID(digestBytes: [UInt8](repeating: n, count: 32)) }

    @Test func migrationsAreNamedAndApplyOnce() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/state.sqlite"
            let first = try FedgeDatabase(path: path)
            await #expect(
                try first.appliedMigrations() == [
                    "0001-initial", "0002-orchestration", "0003-contribution-per-client", "0004-identities",
                    "0005-active-package", "0006-round-phases",
                ]
            )
            let again = try FedgeDatabase(path: path)
            await #expect(
                try again.appliedMigrations() == [
                    "0001-initial", "0002-orchestration", "0003-contribution-per-client", "0004-identities",
                    "0005-active-package", "0006-round-phases",
                ]
            )
            let mode = try await again.writer.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
            #expect(mode == "wal")
        }
    }

    @Test func lineageAndContributions() async throws {
        let db = try FedgeDatabase.inMemory()
        try await db.commitModel(ModelRecord(id: Self.id(1), parent: nil, size: 10), contributions: [])
        let contributions = [
            Contribution(client: "a", combiner: "c1", weight: 3, update: Self.id(90)),
            Contribution(client: "b", combiner: "c2", weight: 5, update: Self.id(91)),
        ]
        try await db.commitModel(
            ModelRecord(
                id: Self.id(2),
                parent: Self.id(1),
                session: "s",
                round: 1,
                aggregator: "fedavg",
                size: 10,
                totalWeight: 8
            ),
            contributions: contributions
        )
        try await db.commitModel(
            ModelRecord(id: Self.id(3), parent: Self.id(2), session: "s", round: 2, size: 10),
            contributions: []
        )
        try await db.commitModel(
            ModelRecord(id: Self.id(4), parent: Self.id(2), session: "t", round: 1, size: 10),
            contributions: []
        )
        await #expect(try db.ancestors(of: Self.id(3)).map(\.id) == [Self.id(2).hex, Self.id(1).hex])
        await #expect(try Set(db.children(of: Self.id(2)).map(\.id)) == [Self.id(3).hex, Self.id(4).hex])
        await #expect(try db.contributions(of: Self.id(2)).map(\.client) == ["a", "b"])
        await #expect(try db.models(ListQuery()).items.count == 4)
        // Committing again is a no-op; an unknown parent is refused.
        try await db.commitModel(ModelRecord(id: Self.id(3), parent: Self.id(2), size: 10), contributions: [])
        await #expect(throws: ModelTrailError.unknownParent(Self.id(77).hex)) {
            try await db.commitModel(ModelRecord(id: Self.id(5), parent: Self.id(77), size: 10), contributions: [])
        }
    }

    @Test func theTrailIsAppendOnlyButTheActivePointerMoves() async throws {
        let db = try FedgeDatabase.inMemory()
        try await db.commitModel(ModelRecord(id: Self.id(1), parent: nil, size: 10), contributions: [])
        try await db.commitModel(
            ModelRecord(id: Self.id(2), parent: Self.id(1), size: 10),
            contributions: [Contribution(client: "a", weight: 1, update: Self.id(9))]
        )
        #expect(throws: DatabaseError.self) {
            try db.writer.write { db in try db.execute(sql: "UPDATE model SET size = 11") }
        }
        #expect(throws: DatabaseError.self) {
            try db.writer.write { db in try db.execute(sql: "DELETE FROM contribution") }
        }
        await #expect(try db.activeModel() == nil)
        try await db.setActiveModel(Self.id(1))
        try await db.setActiveModel(Self.id(2))
        await #expect(try db.activeModel() == Self.id(2))
        await #expect(throws: ModelTrailError.self) { try await db.setActiveModel(Self.id(8)) }
    }
}

@Suite("Blob store")
struct BlobStoreTests {
    @Test func blobsAreContentAddressedAndLeaveNoTemporaries() async throws {
        try await withTemporaryDirectory { dir in
            let store = try BlobStore(root: URL(fileURLWithPath: dir + "/blobs"))
            let source = dir + "/model.bin"
            try Data("abc".utf8).write(to: URL(fileURLWithPath: source))
            let id = try store.put(fileAt: source)
            #expect(id.hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
            #expect(store.path(for: id).hasSuffix("blobs/sha256/ba/\(id.hex).safetensors"))
            #expect(try Data(contentsOf: URL(fileURLWithPath: store.path(for: id))) == Data("abc".utf8))
            #expect(throws: BlobStore.BlobError.self) { try store.put(fileAt: dir + "/missing") }
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir + "/blobs").filter {
                $0.hasPrefix(".incoming")
            }
            #expect(leftovers.isEmpty)
        }
    }
}

@Suite("Trail verification")
struct TrailVerificationTests {
    @Test func findsMissingAndAlteredBlobs() async throws {
        try await withTemporaryDirectory { dir in
            let db = try FedgeDatabase.inMemory()
            let blobs = try BlobStore(root: URL(fileURLWithPath: dir + "/blobs"))
            var ids: [ModelID] = []
            for (i, text) in ["seed", "round one", "round two"].enumerated() {
                try Data(text.utf8).write(to: URL(fileURLWithPath: dir + "/m\(i)"))
                let id = try blobs.put(fileAt: dir + "/m\(i)")
                try await db.commitModel(
                    ModelRecord(id: id, parent: ids.last, size: Int64(text.utf8.count)),
                    contributions: []
                )
                ids.append(id)
            }
            await #expect(try db.verifyTrail(blobs: blobs).isEmpty)
            try Data("tampered".utf8).write(to: URL(fileURLWithPath: blobs.path(for: ids[1])))
            try FileManager.default.removeItem(atPath: blobs.path(for: ids[2]))
            let problems = try await db.verifyTrail(blobs: blobs)
            #expect(problems.map(\.model).sorted() == [ids[1].hex, ids[2].hex].sorted())
            #expect(problems.contains { $0.problem.contains("does not hash") })
            #expect(problems.contains { $0.problem.contains("missing") })
        }
    }
}

@Suite("Audit trail")
struct AuditTrailTests {
    /// Found by fuzzing the controller's Attach: a combiner's hello address with a NUL in it went into an event's
    /// message, SQLite gave the message back cut at the NUL, and the chain no longer verified.
    @Test func textWithNULsStaysVerifiable() async throws {
        let db = try FedgeDatabase.inMemory()
        let event = try await db.appendAuditEvent(
            kind: "combiner.attached",
            actor: "combiner:\u{0}x",
            subject: "a\u{0}b",
            message: "reach it at 127.0\u{0}.0.1:1",
            address: "1.2.3.4\u{0}"
        )
        await #expect(try db.verifyAuditTrail() == nil)
        let stored = try #require(try await db.auditEvents(ListQuery()).items.first)
        #expect(stored.message == "reach it at 127.0\u{FFFD}.0.1:1" && stored.hash == event.hash)
        #expect(stored.actor == "combiner:\u{FFFD}x" && stored.subject == "a\u{FFFD}b")
    }

    @Test func eventsChainAndTamperingIsFound() async throws {
        let db = try FedgeDatabase.inMemory()
        await #expect(try db.verifyAuditTrail() == nil)
        let first = try await db.appendAuditEvent(
            kind: "session.created",
            actor: "operator",
            subject: "s1",
            message: "session s1 created"
        )
        #expect(first.previousHash == FedgeDatabase.genesisHash)
        let second = try await db.appendAuditEvent(
            kind: "session.started",
            actor: "operator",
            subject: "s1",
            message: "started"
        )
        #expect(second.previousHash == first.hash)
        try await db.appendAuditEvent(kind: "update.refused", actor: "combiner-a", message: "stale round")
        await #expect(
            try db.auditEvents(ListQuery()).items.map(\.kind) == [
                "update.refused", "session.started", "session.created",
            ]
        )
        await #expect(try db.verifyAuditTrail() == nil)
        // The table refuses changes; someone who bypasses the trigger still cannot hide it.
        #expect(throws: DatabaseError.self) {
            try db.writer.write { db in try db.execute(sql: "UPDATE event SET message = 'nothing happened'") }
        }
        try await db.writer.write { db in
            try db.execute(sql: "DROP TRIGGER event_no_update")
            try db.execute(sql: "UPDATE event SET message = 'nothing happened' WHERE id = ?", arguments: [second.id])
        }
        await #expect(try db.verifyAuditTrail() == second.id)
    }

    @Test("Audit verify names the first broken link when a refusal's outcome or address is edited or a row deleted")
    func editedOrDeletedRowsAreFound() async throws {
        let kinds = ["access.refused", "token.created", "update.refused", "session.started"]
        func trail() async throws -> (FedgeDatabase, [AuditEventRecord]) {
            let db = try FedgeDatabase.inMemory()
            var events: [AuditEventRecord] = []
            for (i, kind) in kinds.enumerated() {
                let refused = kind.hasSuffix("refused")
                events.append(
                    try await db.appendAuditEvent(
                        kind: kind,
                        actor: refused ? "mallory" : "ada",
                        subject: "s\(i)",
                        message: "\(kind) \(i)",
                        outcome: refused ? AuditEventRecord.refused : AuditEventRecord.succeeded,
                        address: refused ? "10.0.0.66:4242" : nil
                    )
                )
            }
            return (db, events)
        }
        func tamper(_ db: FedgeDatabase, _ sql: String, _ id: Int64) async throws {
            try await db.writer.write { db in
                try db.execute(sql: "DROP TRIGGER event_no_update")
                try db.execute(sql: "DROP TRIGGER event_no_delete")
                try db.execute(sql: sql, arguments: [id])
            }
        }

        let (intact, events) = try await trail()
        let check = try await intact.checkAuditTrail()
        #expect(check.brokenAt == nil && check.events == 4 && check.head == events.last?.hash)

        // A refusal made to look like a success, or moved to another address: the row itself no longer hashes.
        let (edited, editedEvents) = try await trail()
        try await tamper(edited, "UPDATE event SET outcome = 'ok' WHERE id = ?", editedEvents[0].id!)
        #expect(try await edited.checkAuditTrail().brokenAt == editedEvents[0].id)
        let (moved, movedEvents) = try await trail()
        try await tamper(moved, "UPDATE event SET address = '127.0.0.1:1' WHERE id = ?", movedEvents[2].id!)
        #expect(try await moved.checkAuditTrail().brokenAt == movedEvents[2].id)

        // A deleted row: the next one no longer links to its predecessor.
        let (deleted, deletedEvents) = try await trail()
        try await tamper(deleted, "DELETE FROM event WHERE id = ?", deletedEvents[1].id!)
        let afterDelete = try await deleted.checkAuditTrail()
        #expect(afterDelete.brokenAt == deletedEvents[2].id && afterDelete.events == 2)

        // The newest row deleted leaves a valid chain, but its head is not the one anchored elsewhere.
        let (truncated, truncatedEvents) = try await trail()
        try await tamper(truncated, "DELETE FROM event WHERE id = ?", truncatedEvents[3].id!)
        let afterTruncation = try await truncated.checkAuditTrail()
        #expect(afterTruncation.brokenAt == nil && afterTruncation.head != check.head)
    }
}
