/// One page of a list: `limit` items from `offset`, of `total`.
package struct Page<Item: Sendable & Codable & Hashable>: Sendable, Hashable, Codable {
    package var items: [Item]
    package var total: Int
    package var offset: Int
    package var limit: Int

    package init(items: [Item], total: Int, offset: Int, limit: Int) {
        self.items = items
        self.total = total
        self.offset = offset
        self.limit = limit
    }
}
