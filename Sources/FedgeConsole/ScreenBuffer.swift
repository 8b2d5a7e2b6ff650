/// A rectangle of the screen, in cells.
package struct Rect: Sendable, Hashable {
    package var x: Int
    package var y: Int
    package var width: Int
    package var height: Int

    package init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }

    /// The rectangle shrunk by `dx` columns and `dy` rows on every side.
    package func inset(_ dx: Int, _ dy: Int) -> Rect {
        Rect(x: self.x + dx, y: self.y + dy, width: self.width - 2 * dx, height: self.height - 2 * dy)
    }

    /// The top `rows` rows, and the rest.
    package func splitTop(_ rows: Int) -> (Rect, Rect) {
        let top = min(max(0, rows), self.height)
        return (
            Rect(x: self.x, y: self.y, width: self.width, height: top),
            Rect(x: self.x, y: self.y + top, width: self.width, height: self.height - top)
        )
    }

    /// The left `columns` columns, and the rest.
    package func splitLeft(_ columns: Int) -> (Rect, Rect) {
        let left = min(max(0, columns), self.width)
        return (
            Rect(x: self.x, y: self.y, width: left, height: self.height),
            Rect(x: self.x + left, y: self.y, width: self.width - left, height: self.height)
        )
    }
}

/// What a cell is for; the theme gives each role its colours.
package enum Role: String, Sendable, Hashable, CaseIterable {
    case normal, dim, title, header, selected, border, accent, ok, warn, error, status, statusError, key, chart,
        progress,
        progressEmpty, tab, tabActive
}

/// One character cell.
package struct Cell: Sendable, Hashable {
    package var character: Character
    package var role: Role

    package static let blank = Cell(character: " ", role: .normal)
}

/// The characters for lines, boxes, bars and charts: Unicode, or plain ASCII for terminals that cannot show it.
package struct Glyphs: Sendable, Hashable {
    package var horizontal: Character
    package var vertical: Character
    package var topLeft: Character
    package var topRight: Character
    package var bottomLeft: Character
    package var bottomRight: Character
    package var barFull: Character
    package var barEmpty: Character
    package var treeBranch: String
    package var treeLast: String
    package var treePipe: String
    /// Whether charts may use braille dots (else they use `*`).
    package var braille: Bool

    package static let unicode = Glyphs(
        horizontal: "─",
        vertical: "│",
        topLeft: "┌",
        topRight: "┐",
        bottomLeft: "└",
        bottomRight: "┘",
        barFull: "█",
        barEmpty: "░",
        treeBranch: "├─ ",
        treeLast: "└─ ",
        treePipe: "│  ",
        braille: true
    )
    package static let ascii = Glyphs(
        horizontal: "-",
        vertical: "|",
        topLeft: "+",
        topRight: "+",
        bottomLeft: "+",
        bottomRight: "+",
        barFull: "#",
        barEmpty: ".",
        treeBranch: "|- ",
        treeLast: "`- ",
        treePipe: "|  ",
        braille: false
    )
}

/// The screen as a grid of cells that views draw into; the terminal driver paints it, and tests read it.
///
/// Everything written is clipped to the buffer: views never need to check bounds.
package struct ScreenBuffer: Sendable, Hashable {
    package let width: Int
    package let height: Int
    package private(set) var cells: [Cell]
    package var glyphs: Glyphs

    package init(width: Int, height: Int, glyphs: Glyphs = .unicode) {
        self.width = max(0, width)
        self.height = max(0, height)
        self.cells = Array(repeating: .blank, count: self.width * self.height)
        self.glyphs = glyphs
    }

    package var bounds: Rect { Rect(x: 0, y: 0, width: self.width, height: self.height) }

    package subscript(x: Int, y: Int) -> Cell {
        get { (0..<self.width).contains(x) && (0..<self.height).contains(y) ? self.cells[y * self.width + x] : .blank }
        set {
            guard (0..<self.width).contains(x), (0..<self.height).contains(y) else { return }
            self.cells[y * self.width + x] = newValue
        }
    }

    /// Writes `text` from (x, y), at most `limit` columns (and never past the buffer's edge); returns the columns used.
    @discardableResult
    package mutating func put(_ text: String, x: Int, y: Int, role: Role = .normal, limit: Int = .max) -> Int {
        var column = x
        let end = limit == .max ? self.width : min(self.width, x + max(0, limit))
        for character in text where column < end {
            if character == "\n" { break }
            self[column, y] = Cell(character: character, role: role)
            column += 1
        }
        return column - x
    }

    /// Writes `text` clipped to `rect`'s row `row`, padded with spaces to its width.
    package mutating func line(_ text: String, in rect: Rect, row: Int, role: Role = .normal) {
        guard (0..<rect.height).contains(row) else { return }
        let used = self.put(text, x: rect.x, y: rect.y + row, role: role, limit: rect.width)
        if used < rect.width {
            self.put(
                String(repeating: " ", count: rect.width - used),
                x: rect.x + used,
                y: rect.y + row,
                role: role,
                limit: rect.width - used
            )
        }
    }

    /// Fills `rect` with blanks of `role`.
    package mutating func fill(_ rect: Rect, role: Role = .normal) {
        for y in rect.y..<(rect.y + rect.height) {
            for x in rect.x..<(rect.x + rect.width) { self[x, y] = Cell(character: " ", role: role) }
        }
    }

    /// Draws a frame around `rect` with `title` in its top edge; returns the inside.
    @discardableResult
    package mutating func box(_ rect: Rect, title: String? = nil, role: Role = .border) -> Rect {
        guard rect.width >= 2, rect.height >= 2 else { return Rect(x: rect.x, y: rect.y, width: 0, height: 0) }
        let g = self.glyphs
        let right = rect.x + rect.width - 1
        let bottom = rect.y + rect.height - 1
        for x in (rect.x + 1)..<right {
            self[x, rect.y] = Cell(character: g.horizontal, role: role)
            self[x, bottom] = Cell(character: g.horizontal, role: role)
        }
        for y in (rect.y + 1)..<bottom {
            self[rect.x, y] = Cell(character: g.vertical, role: role)
            self[right, y] = Cell(character: g.vertical, role: role)
        }
        self[rect.x, rect.y] = Cell(character: g.topLeft, role: role)
        self[right, rect.y] = Cell(character: g.topRight, role: role)
        self[rect.x, bottom] = Cell(character: g.bottomLeft, role: role)
        self[right, bottom] = Cell(character: g.bottomRight, role: role)
        if let title, rect.width > 4 {
            self.put(" \(title) ", x: rect.x + 2, y: rect.y, role: .title, limit: rect.width - 4)
        }
        return rect.inset(1, 1)
    }

    /// A progress bar of `fraction` (0…1) across `width` columns.
    package mutating func bar(_ fraction: Double, x: Int, y: Int, width: Int) {
        let filled = Int((min(max(fraction.isFinite ? fraction : 0, 0), 1) * Double(width)).rounded())
        for i in 0..<max(0, width) {
            self[x + i, y] =
                i < filled
                ? Cell(character: self.glyphs.barFull, role: .progress)
                : Cell(character: self.glyphs.barEmpty, role: .progressEmpty)
        }
    }

    /// Row `y` as text (trailing spaces kept), for tests and diffs.
    package func row(_ y: Int) -> String {
        guard (0..<self.height).contains(y) else { return "" }
        return String(self.cells[(y * self.width)..<((y + 1) * self.width)].map(\.character))
    }

    /// Every row as text, trailing spaces trimmed.
    package var text: String {
        (0..<self.height).map { y in
            var row = self.row(y)
            while row.last == " " { row.removeLast() }
            return row
        }.joined(separator: "\n")
    }

    /// The rows that differ from `previous` (all of them when the sizes differ): what a terminal must repaint.
    package func changedRows(since previous: ScreenBuffer?) -> [Int] {
        guard let previous, previous.width == self.width, previous.height == self.height else {
            return Array(0..<self.height)
        }
        return (0..<self.height).filter { y in
            self.cells[(y * self.width)..<((y + 1) * self.width)]
                != previous.cells[(y * self.width)..<((y + 1) * self.width)]
        }
    }
}
