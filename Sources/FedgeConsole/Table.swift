import FedgeAPIModels
import Foundation

/// A table: a header row, then rows with the selected one highlighted, scrolled to keep it in sight.
struct Table {
    struct Column {
        var title: String
        /// Fixed width; 0 takes what is left.
        var width: Int
        var alignRight = false
    }

    var columns: [Column]
    var rows: [[String]]
    var roles: [Role] = []
    var selected: Int?

    func draw(into screen: inout ScreenBuffer, rect: Rect) {
        guard rect.height > 0 else { return }
        let fixed = self.columns.reduce(0) { $0 + ($1.width > 0 ? $1.width + 1 : 0) }
        let flexible = self.columns.count { $0.width == 0 }
        let share = flexible > 0 ? max(4, (rect.width - fixed) / flexible) : 0
        let widths = self.columns.map { $0.width > 0 ? $0.width : share }
        func format(_ cells: [String]) -> String {
            zip(cells, zip(widths, self.columns)).map { cell, column in
                let (width, spec) = column
                let text = cell.count > width ? String(cell.prefix(max(0, width - 1))) + "…" : cell
                let pad = String(repeating: " ", count: max(0, width - text.count))
                return spec.alignRight ? pad + text : text + pad
            }.joined(separator: " ")
        }
        screen.line(format(self.columns.map(\.title)), in: rect, row: 0, role: .header)
        let visible = rect.height - 1
        guard visible > 0 else { return }
        if self.rows.isEmpty {
            screen.line("  (nothing to show)", in: rect, row: 1, role: .dim)
            return
        }
        let selected = self.selected.map { min($0, self.rows.count - 1) }
        let first = max(0, (selected ?? 0) - visible + 1)
        for (offset, index) in (first..<min(self.rows.count, first + visible)).enumerated() {
            let role: Role = index == selected ? .selected : (index < self.roles.count ? self.roles[index] : .normal)
            screen.line(format(self.rows[index]), in: rect, row: offset + 1, role: role)
        }
        if self.rows.count > visible {
            let marker = "\(first + 1)–\(min(self.rows.count, first + visible))/\(self.rows.count)"
            screen.put(marker, x: rect.x + rect.width - marker.count, y: rect.y, role: .dim)
        }
    }
}
