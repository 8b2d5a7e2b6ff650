package import FedgeCore
import Foundation
import GRDB

/// Validations, metrics and compute packages.
extension FedgeDatabase {
    // MARK: Validations and metrics

    package func recordValidation(_ validation: ValidationRecord) async throws {
        try await self.writer.write { db in
            var validation = validation
            try validation.insert(db)
        }
    }

    package func validations(_ query: ListQuery = ListQuery()) async throws -> (items: [ValidationRecord], total: Int) {
        try await self.page(
            ValidationRecord.all(),
            query,
            allowed: [ValidationRecord.Columns.model, ValidationRecord.Columns.client],
            order: [ValidationRecord.Columns.id.desc]
        )
    }

    /// The validations of model `id`.
    package func validations(of id: String) async throws -> [ValidationRecord] {
        try await self.writer.read { db in
            try ValidationRecord.filter(ValidationRecord.Columns.model == id).order(ValidationRecord.Columns.client)
                .fetchAll(db)
        }
    }

    package func recordMetrics(_ metrics: [MetricRecord]) async throws {
        try await self.writer.write { db in
            for var metric in metrics { try metric.insert(db) }
        }
    }

    package func metrics(_ query: ListQuery = ListQuery()) async throws -> (items: [MetricRecord], total: Int) {
        try await self.page(
            MetricRecord.all(),
            query,
            allowed: [
                MetricRecord.Columns.session, MetricRecord.Columns.round, MetricRecord.Columns.client,
                MetricRecord.Columns.name,
            ],
            order: [MetricRecord.Columns.id.desc]
        )
    }

    // MARK: Packages

    /// Adds a package; the same bytes uploaded again keep their first name. Returns the stored record.
    package func insertPackage(_ package: PackageRecord) async throws -> PackageRecord {
        try await self.writer.write { db in
            if let existing = try PackageRecord.fetchOne(db, key: package.id) { return existing }
            try package.insert(db)
            return package
        }
    }

    package func packages(_ query: ListQuery = ListQuery()) async throws -> (items: [PackageRecord], total: Int) {
        try await self.page(
            PackageRecord.all(),
            query,
            allowed: [PackageRecord.Columns.name],
            order: [PackageRecord.Columns.createdAt.desc]
        )
    }

    /// The package `id`, or `nil`.
    package func package(_ id: ModelID) async throws -> PackageRecord? {
        try await self.writer.read { db in try PackageRecord.fetchOne(db, key: id.hex) }
    }

    /// The packages whose id starts with `prefix` (at most `limit`).
    package func packages(withPrefix prefix: String, limit: Int = 2) async throws -> [PackageRecord] {
        let pattern = prefix.lowercased().filter { $0.isHexDigit }
        guard !pattern.isEmpty, pattern.count == prefix.count else { return [] }
        return try await self.writer.read { db in
            try PackageRecord.filter(PackageRecord.Columns.id.like("\(pattern)%")).order(PackageRecord.Columns.id)
                .limit(limit).fetchAll(db)
        }
    }

    /// Makes package `id` the one new sessions run.
    package func activatePackage(_ id: ModelID) async throws {
        try await self.writer.write { db in
            try db.execute(
                sql:
                    "INSERT INTO activePackage (slot, package) VALUES (1, ?) ON CONFLICT(slot) DO UPDATE SET package = excluded.package",
                arguments: [id.hex]
            )
        }
    }

    /// The active package, or `nil` when none was activated.
    package func activePackage() async throws -> ModelID? {
        try await self.writer.read { db in
            try String.fetchOne(db, sql: "SELECT package FROM activePackage WHERE slot = 1").flatMap(ModelID.init(hex:))
        }
    }
}
