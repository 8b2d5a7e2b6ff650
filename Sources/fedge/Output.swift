import FedgeAPIModels
import Foundation

/// Printing for the API commands: JSON, aligned tables, key–value blocks and errors.
enum Output {
    /// Writes `message` and a newline to stderr.
    static func printError(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    /// Prints `value` as pretty-printed JSON with the API's encoder (snake_case keys, ISO 8601 dates).
    static func printJSON(_ value: some Encodable) {
        Swift.print(Self.json(value, pretty: true))
    }

    /// `value` as JSON text with the API's encoder; one line unless `pretty`.
    static func json(_ value: some Encodable, pretty: Bool) -> String {
        let encoder = API.makeEncoder()
        if pretty { encoder.outputFormatting.insert(.prettyPrinted) }
        encoder.outputFormatting.insert(.withoutEscapingSlashes)
        guard let data = try? encoder.encode(value) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Prints `fields` as `name  value` lines, the values aligned; pairs with an empty value are left out.
    static func printFields(_ fields: [(String, String)], indent: Int = 0) {
        let shown = fields.filter { !$0.1.isEmpty }
        let width = shown.map(\.0.count).max() ?? 0
        let pad = String(repeating: " ", count: indent)
        for (name, value) in shown {
            Swift.print(pad + name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value)
        }
    }

    /// Prints a table, or `empty` when it has no rows.
    static func printTable(_ table: Table, empty: String) {
        if table.rows.isEmpty {
            Swift.print(empty)
        } else {
            Swift.print(table.render(), terminator: "")
        }
    }

    /// A note under a list that is one page of a longer one, or nothing.
    static func printPageNote<Item>(_ page: Page<Item>) {
        let end = page.offset + page.items.count
        guard page.offset > 0 || end < page.total else { return }
        let next = end < page.total ? "; --offset \(end) shows more" : ""
        Swift.print("(\(page.offset + 1)–\(end) of \(page.total)\(next))")
    }
}
