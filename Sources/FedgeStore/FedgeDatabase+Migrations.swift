import GRDB

extension FedgeDatabase {
    /// The schema's history. Migrations are only ever appended; each is written with plain strings so that later
    /// changes to the record types never change what an old migration does.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("0001-initial") { db in
            try db.create(table: "combiner") { t in
                t.primaryKey("name", .text)
                t.column("address", .text).notNull()
                t.column("status", .text).notNull()
                t.column("firstSeen", .datetime).notNull()
                t.column("lastSeen", .datetime).notNull()
            }
            try db.create(table: "client") { t in
                t.primaryKey("name", .text)
                t.column("combiner", .text).references("combiner", onDelete: .restrict)
                t.column("status", .text).notNull()
                t.column("firstSeen", .datetime).notNull()
                t.column("lastSeen", .datetime).notNull()
                t.column("tasksDone", .integer).notNull().defaults(to: 0)
                t.column("tasksFailed", .integer).notNull().defaults(to: 0)
            }
            try db.create(table: "model") { t in
                t.primaryKey("id", .text)
                t.column("parent", .text).references("model", onDelete: .restrict)
                t.column("session", .text)
                t.column("round", .integer)
                t.column("aggregator", .text)
                t.column("size", .integer).notNull()
                t.column("totalWeight", .double)
                t.column("metrics", .text).notNull().defaults(to: "{}")
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(index: "model_parent", on: "model", columns: ["parent"])
            try db.create(table: "session") { t in
                t.primaryKey("id", .text)
                t.column("config", .text).notNull()
                t.column("status", .text).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("seedModel", .text).notNull().references("model", onDelete: .restrict)
            }
            try db.create(table: "round") { t in
                t.column("session", .text).notNull().references("session", onDelete: .restrict)
                t.column("number", .integer).notNull()
                t.column("status", .text).notNull()
                t.column("startedAt", .datetime).notNull()
                t.column("endedAt", .datetime)
                t.column("model", .text).references("model", onDelete: .restrict)
                t.column("optimizerState", .text)
                t.column("reason", .text)
                t.primaryKey(["session", "number"])
            }
            try db.create(table: "roundParticipation") { t in
                t.column("session", .text).notNull()
                t.column("round", .integer).notNull()
                t.column("combiner", .text).notNull().references("combiner", onDelete: .restrict)
                t.column("selected", .integer).notNull()
                t.column("received", .integer).notNull()
                t.column("failed", .integer).notNull()
                t.column("partial", .text)
                t.primaryKey(["session", "round", "combiner"])
                t.foreignKey(["session", "round"], references: "round", onDelete: .restrict)
            }
            try db.create(table: "contribution") { t in
                t.column("model", .text).notNull().references("model", onDelete: .restrict)
                t.column("client", .text).notNull()
                t.column("combiner", .text)
                t.column("weight", .double).notNull()
                t.column("update", .text).notNull()
                t.primaryKey(["model", "update"])
            }
            try db.create(table: "validation") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("model", .text).notNull().references("model", onDelete: .restrict)
                t.column("client", .text).notNull()
                t.column("metrics", .text).notNull()
                t.column("numExamples", .double).notNull()
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(table: "metric") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("session", .text)
                t.column("round", .integer)
                t.column("client", .text)
                t.column("name", .text).notNull()
                t.column("value", .double).notNull()
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(table: "event") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("kind", .text).notNull()
                t.column("actor", .text).notNull()
                t.column("subject", .text)
                t.column("message", .text).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("previousHash", .text).notNull()
                t.column("hash", .text).notNull()
            }
            try db.create(table: "package") { t in
                t.primaryKey("id", .text)
                t.column("name", .text).notNull()
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(table: "activeModel") { t in
                t.primaryKey("slot", .integer).check { $0 == 1 }
                t.column("model", .text).notNull().references("model", onDelete: .restrict)
            }
            // The model trail and the audit trail are append-only: the database itself refuses to change them.
            for table in ["model", "contribution", "event"] {
                try db.execute(
                    sql: """
                        CREATE TRIGGER \(table)_no_update BEFORE UPDATE ON \(table)
                        BEGIN SELECT RAISE(ABORT, '\(table) rows are never changed; the trail is append-only'); END
                        """
                )
                try db.execute(
                    sql: """
                        CREATE TRIGGER \(table)_no_delete BEFORE DELETE ON \(table)
                        BEGIN SELECT RAISE(ABORT, '\(table) rows are never deleted; the trail is append-only'); END
                        """
                )
            }
        }
        // The controller's orchestration: why sessions ended, each round's targets, refusals per combiner.
        migrator.registerMigration("0002-orchestration") { db in
            try db.alter(table: "session") { t in
                t.add(column: "reason", .text)
                t.add(column: "updatedAt", .datetime)
            }
            try db.alter(table: "round") { t in
                t.add(column: "deadline", .datetime)
                t.add(column: "expected", .integer).notNull().defaults(to: 0)
                t.add(column: "minimum", .integer).notNull().defaults(to: 1)
                t.add(column: "received", .integer).notNull().defaults(to: 0)
            }
            try db.alter(table: "roundParticipation") { t in
                t.add(column: "refused", .integer).notNull().defaults(to: 0)
            }
            try db.alter(table: "package") { t in
                t.add(column: "size", .integer).notNull().defaults(to: 0)
            }
            try db.alter(table: "client") { t in
                t.add(column: "telemetry", .text)
            }
            try db.create(index: "round_status", on: "round", columns: ["status"])
            try db.create(index: "session_status", on: "session", columns: ["status"])
            try db.create(index: "validation_model", on: "validation", columns: ["model"])
            try db.create(index: "metric_session", on: "metric", columns: ["session", "round"])
        }
        // Two clients may send byte-identical updates (same data, same seed): a contribution is one client's update.
        migrator.registerMigration("0003-contribution-per-client") { db in
            try db.execute(
                sql: """
                    CREATE TABLE contribution_new (
                      model TEXT NOT NULL REFERENCES model(id) ON DELETE RESTRICT,
                      client TEXT NOT NULL,
                      combiner TEXT,
                      weight DOUBLE NOT NULL,
                      "update" TEXT NOT NULL,
                      PRIMARY KEY (model, client, "update")
                    );
                    INSERT INTO contribution_new (model, client, combiner, weight, "update")
                      SELECT model, client, combiner, weight, "update" FROM contribution;
                    DROP TABLE contribution;
                    ALTER TABLE contribution_new RENAME TO contribution;
                    CREATE INDEX contribution_client ON contribution(client);
                    CREATE TRIGGER contribution_no_update BEFORE UPDATE ON contribution
                    BEGIN SELECT RAISE(ABORT, 'contribution rows are never changed; the trail is append-only'); END;
                    CREATE TRIGGER contribution_no_delete BEFORE DELETE ON contribution
                    BEGIN SELECT RAISE(ABORT, 'contribution rows are never deleted; the trail is append-only'); END;
                    """
            )
        }
        // Identities (issue 10): the tokens issued (ids only, never the token text) and who did what to the trail.
        migrator.registerMigration("0004-identities") { db in
            try db.create(table: "token") { t in
                t.column("id", .text).primaryKey()
                t.column("subject", .text).notNull()
                t.column("role", .text).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("expiresAt", .datetime).notNull()
                t.column("revokedAt", .datetime)
                t.column("createdBy", .text).notNull()
            }
            try db.create(index: "token_subject", on: "token", columns: ["subject"])
            try db.alter(table: "event") { t in
                t.add(column: "outcome", .text).notNull().defaults(to: "ok")
                t.add(column: "address", .text)
            }
            try db.create(index: "event_actor", on: "event", columns: ["actor"])
        }
        migrator.registerMigration("0005-active-package") { db in
            try db.create(table: "activePackage") { t in
                t.primaryKey("slot", .integer).check { $0 == 1 }
                t.column("package", .text).notNull().references("package", onDelete: .restrict)
            }
        }
        migrator.registerMigration("0006-round-phases") { db in
            try db.alter(table: "round") { t in t.add(column: "phases", .text) }
        }
        return migrator
    }
}
