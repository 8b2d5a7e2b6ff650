import FedgeCore
import Foundation
import GRDB

/// One page of a list, filtered on the columns the caller allows.
extension FedgeDatabase {
    func page<Record: FetchableRecord & TableRecord>(
        _ request: QueryInterfaceRequest<Record>,
        _ query: ListQuery,
        allowed: [Column],
        order: [any SQLOrderingTerm]
    ) async throws -> (items: [Record], total: Int) where Record: Sendable {
        var request = request
        // Only the columns the caller allows can be filtered on, by name.
        for column in allowed {
            if let value = query.filters[column.name] { request = request.filter(column == value) }
        }
        let filtered = request
        let paged = filtered.order(order).limit(max(0, min(query.limit, 1000)), offset: max(0, query.offset))
        return try await self.writer.read { db in
            (try paged.fetchAll(db), try filtered.fetchCount(db))
        }
    }
}
