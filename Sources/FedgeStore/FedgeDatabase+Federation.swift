package import FedgeCore
package import Foundation
import GRDB

/// Combiners and clients: what the hub learns, persisted.
extension FedgeDatabase {
    // MARK: Combiners and clients

    /// Records that combiner `name` is attached (creating it the first time).
    package func combinerOnline(name: CombinerID, address: String, at date: Date = Date()) async throws {
        try await self.writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO combiner (name, address, status, firstSeen, lastSeen) VALUES (?, ?, 'online', ?, ?)
                    ON CONFLICT(name) DO UPDATE SET address = excluded.address, status = 'online', lastSeen = excluded.lastSeen
                    """,
                arguments: [name, address, date, date]
            )
        }
    }

    /// Marks combiner `name` offline, and its clients with it.
    package func combinerOffline(name: CombinerID, at date: Date = Date()) async throws {
        try await self.writer.write { db in
            try db.execute(
                sql: "UPDATE combiner SET status = 'offline', lastSeen = ? WHERE name = ?",
                arguments: [date, name]
            )
            try db.execute(
                sql: "UPDATE client SET status = 'offline' WHERE combiner = ? AND status != 'offline'",
                arguments: [name]
            )
        }
    }

    /// Marks every combiner and client offline (at start-up, before any has attached again).
    /// Synchronous: called once at startup, before anything is served.
    package func markEverythingOffline() throws {
        try self.writer.write { db in
            try db.execute(sql: "UPDATE combiner SET status = 'offline' WHERE status != 'offline'")
            try db.execute(sql: "UPDATE client SET status = 'offline' WHERE status != 'offline'")
        }
    }

    /// Records a combiner's report of its clients: new ones are added, known ones updated (a client that moved
    /// to this combiner is re-homed).
    package func recordClients(_ clients: [ClientRecord]) async throws {
        guard !clients.isEmpty else { return }
        try await self.writer.write { db in
            // One statement, compiled once and bound per row: a combiner's heartbeat carries every client it holds.
            let upsert = try db.cachedStatement(
                sql: """
                        INSERT INTO client (name, combiner, status, firstSeen, lastSeen, tasksDone, tasksFailed, telemetry)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT(name) DO UPDATE SET
                          combiner = CASE WHEN excluded.status = 'offline' AND client.combiner != excluded.combiner
                                          THEN client.combiner ELSE excluded.combiner END,
                          status = CASE WHEN excluded.status = 'offline' AND client.combiner != excluded.combiner
                                        THEN client.status ELSE excluded.status END,
                          lastSeen = MAX(client.lastSeen, excluded.lastSeen),
                          tasksDone = excluded.tasksDone, tasksFailed = excluded.tasksFailed,
                          telemetry = COALESCE(excluded.telemetry, client.telemetry)
                    """
            )
            for client in clients {
                try upsert.execute(arguments: [
                    client.name, client.combiner, client.status, client.firstSeen, client.lastSeen,
                    client.tasksDone, client.tasksFailed, client.telemetry,
                ])
            }
        }
    }

    package func combiners(_ query: ListQuery = ListQuery()) async throws -> (items: [CombinerRecord], total: Int) {
        try await self.page(
            CombinerRecord.all(),
            query,
            allowed: [CombinerRecord.Columns.status],
            order: [CombinerRecord.Columns.name]
        )
    }

    package func clients(_ query: ListQuery = ListQuery()) async throws -> (items: [ClientRecord], total: Int) {
        try await self.page(
            ClientRecord.all(),
            query,
            allowed: [ClientRecord.Columns.status, ClientRecord.Columns.combiner],
            order: [ClientRecord.Columns.name]
        )
    }

    /// Clients per combiner by status.
    package func clientCounts() async throws -> [String: [String: Int]] {
        try await self.writer.read { db in
            var out: [String: [String: Int]] = [:]
            for row in try Row.fetchAll(
                db,
                sql: "SELECT combiner, status, COUNT(*) AS n FROM client GROUP BY combiner, status"
            ) {
                let combiner: String? = row["combiner"]
                out[combiner ?? "", default: [:]][row["status"]] = row["n"]
            }
            return out
        }
    }
}
