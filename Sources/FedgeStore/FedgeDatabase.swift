import FedgeCore
package import GRDB

/// The controller's state: one SQLite database (WAL mode) behind one type, its schema built by named,
/// append-only migrations.
///
/// ```swift
/// let database = try FedgeDatabase(path: home + "/controller/state.sqlite")
/// try database.commitModel(model, contributions: contributions)
/// ```
package struct FedgeDatabase: Sendable {
    /// The connection pool (a file) or queue (in memory) every read and write goes through.
    package let writer: any DatabaseWriter

    /// Opens (creating when missing) the database at `path` in WAL mode and runs the migrations.
    package init(path: String) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(5)
        try self.init(writer: DatabasePool(path: path, configuration: configuration))
    }

    /// A database in memory, for tests.
    package static func inMemory() throws -> FedgeDatabase {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        return try FedgeDatabase(writer: DatabaseQueue(configuration: configuration))
    }

    private init(writer: any DatabaseWriter) throws {
        self.writer = writer
        try Self.migrator.migrate(writer)
    }

    /// The names of the migrations applied, in order.
    package func appliedMigrations() async throws -> [String] {
        try await self.writer.read { db in try Self.migrator.appliedMigrations(db) }
    }
}
