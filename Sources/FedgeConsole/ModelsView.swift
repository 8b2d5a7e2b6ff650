import FedgeAPIModels
import Foundation

/// The model trail as a tree: each seed with its descendants; `a` makes the selected model active.
enum ModelsView {
    struct Row {
        var model: ModelDTO
        var prefix: String
    }

    static func rows(data: ConsoleData, state: ConsoleState) -> [Row] {
        let byID = Dictionary(data.models.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var children: [String: [ModelDTO]] = [:]
        var roots: [ModelDTO] = []
        for model in data.models {
            if let parent = model.parent, byID[parent] != nil {
                children[parent, default: []].append(model)
            } else {
                roots.append(model)
            }
        }
        // Newest lines of descent first: a model's children newest first, and the newest root first.
        let newestFirst: (ModelDTO, ModelDTO) -> Bool = { $0.createdAt > $1.createdAt }
        var out: [Row] = []
        func walk(_ model: ModelDTO, indent: String, last: Bool, depth: Int) {
            let glyphs = Glyphs.unicode
            let branch = depth == 0 ? "" : indent + (last ? glyphs.treeLast : glyphs.treeBranch)
            out.append(Row(model: model, prefix: branch))
            let kids = (children[model.id] ?? []).sorted(by: newestFirst)
            let childIndent = depth == 0 ? "" : indent + (last ? "   " : glyphs.treePipe)
            // A long straight line of descent stays flat: only forks indent.
            if kids.count == 1 {
                walkFlat(kids[0], indent: depth == 0 ? "" : childIndent, depth: depth)
            } else {
                for (index, child) in kids.enumerated() {
                    walk(child, indent: childIndent, last: index == kids.count - 1, depth: depth + 1)
                }
            }
        }
        func walkFlat(_ model: ModelDTO, indent: String, depth: Int) {
            out.append(Row(model: model, prefix: depth == 0 ? "" : indent + "   "))
            let kids = (children[model.id] ?? []).sorted(by: newestFirst)
            if kids.count == 1 {
                walkFlat(kids[0], indent: indent, depth: depth)
            } else {
                for (index, child) in kids.enumerated() {
                    walk(child, indent: indent + "   ", last: index == kids.count - 1, depth: depth + 1)
                }
            }
        }
        for (index, root) in roots.sorted(by: newestFirst).enumerated() {
            walk(root, indent: "", last: index == roots.count - 1, depth: 0)
        }
        // The tree reads from the seed down; the newest model ends up last in a line of descent.
        return out.filter { row in
            Views.matches(state.filters[.models], row.model.id, row.model.session ?? "", row.model.aggregator ?? "")
        }
    }

    static func render(into screen: inout ScreenBuffer, rect: Rect, data: ConsoleData, state: ConsoleState, now: Date) {
        let rows = self.rows(data: data, state: state).map { row -> Row in
            var row = row
            if screen.glyphs == .ascii {
                row.prefix = row.prefix.replacingOccurrences(
                    of: Glyphs.unicode.treeBranch,
                    with: Glyphs.ascii.treeBranch
                )
                .replacingOccurrences(of: Glyphs.unicode.treeLast, with: Glyphs.ascii.treeLast)
                .replacingOccurrences(of: Glyphs.unicode.treePipe, with: Glyphs.ascii.treePipe)
            }
            return row
        }
        let inside = screen.box(
            rect,
            title: "Model trail (\(data.models.count) models) — a: make active"
                + (state.filters[.models].map { " /\($0)" } ?? "")
        )
        Table(
            columns: [
                .init(title: "MODEL", width: 0), .init(title: "ORIGIN", width: 16),
                .init(title: "AGGREGATOR", width: 11),
                .init(title: "CLIENTS", width: 7, alignRight: true),
                .init(title: "METRICS", width: max(10, inside.width / 3)), .init(title: "", width: 6),
            ],
            rows: rows.map { row in
                [
                    row.prefix + Format.hash(row.model.id),
                    row.model.round.map { "\(row.model.session ?? "") r\($0)" } ?? "seed",
                    row.model.aggregator ?? "-", row.model.round == nil ? "-" : "\(row.model.contributors)",
                    Format.metrics(row.model.metrics),
                    row.model.active ? "active" : "",
                ]
            },
            roles: rows.map { $0.model.active ? .accent : .normal },
            selected: state.selection[.models] ?? max(0, rows.count - 1)
        ).draw(into: &screen, rect: inside)
    }
}

/// Line charts over rounds of any round-level metric (validation means, duration, updates); ←/→ picks the metric.
enum MetricsView {
    static func names(_ data: ConsoleData) -> [String] {
        Array(Set(self.series(data).keys)).sorted { a, b in
            // Validation metrics first, bookkeeping last.
            let bookkeeping: Set<String> = ["round_duration_seconds", "updates"]
            return (bookkeeping.contains(a) ? 1 : 0, a) < (bookkeeping.contains(b) ? 1 : 0, b)
        }
    }

    /// Each metric's values by round, for the focus session.
    static func series(_ data: ConsoleData) -> [String: [(round: Int, value: Double)]] {
        guard let session = data.focusSession?.id else { return [:] }
        var out: [String: [(round: Int, value: Double)]] = [:]
        for metric in data.metrics where metric.session == session && metric.client == nil {
            guard let round = metric.round, metric.value.isFinite else { continue }
            out[metric.name, default: []].append((round, metric.value))
        }
        return out.mapValues { $0.sorted { $0.round < $1.round } }
    }

    static func render(into screen: inout ScreenBuffer, rect: Rect, data: ConsoleData, state: ConsoleState, now: Date) {
        let names = self.names(data)
        guard !names.isEmpty else {
            let inside = screen.box(rect, title: "Metrics")
            screen.line(
                "No round metrics yet: they appear as rounds commit and validate.",
                in: inside,
                row: 0,
                role: .dim
            )
            return
        }
        let name = names[state.metricIndex % names.count]
        let points = self.series(data)[name] ?? []
        let tabs = names.enumerated().map {
            $0.offset == state.metricIndex % names.count ? "[\($0.element)]" : $0.element
        }.joined(separator: " ")
        let inside = screen.box(rect, title: "\(name) over rounds of \(data.focusSession?.id ?? "") — ←/→: \(tabs)")
        Chart(points: points.map { (Double($0.round), $0.value) }).draw(into: &screen, rect: inside)
    }
}

/// A line chart with a y axis (min, mid, max) and round numbers on the x axis, drawn in braille dots (2×4 per
/// cell) or, on plain terminals, with `*`.
struct Chart {
    var points: [(x: Double, y: Double)]

    func draw(into screen: inout ScreenBuffer, rect: Rect) {
        guard rect.width > 12, rect.height > 3, let first = self.points.first else { return }
        let ys = self.points.map(\.y)
        var low = ys.min()!
        var high = ys.max()!
        if high - low < 1e-12 {
            low -= 0.5
            high += 0.5
        }
        let labels = [high, (high + low) / 2, low].map { Format.metric($0) }
        let labelWidth = min(10, labels.map(\.count).max()!)
        let plot = Rect(
            x: rect.x + labelWidth + 1,
            y: rect.y,
            width: rect.width - labelWidth - 1,
            height: rect.height - 1
        )
        for (index, label) in labels.enumerated() {
            let y = plot.y + (index == 0 ? 0 : index == 1 ? (plot.height - 1) / 2 : plot.height - 1)
            screen.put(
                String(repeating: " ", count: max(0, labelWidth - label.count)) + label,
                x: rect.x,
                y: y,
                role: .dim,
                limit: labelWidth
            )
        }
        for y in plot.y..<(plot.y + plot.height) {
            screen[plot.x - 1, y] = Cell(character: screen.glyphs.vertical, role: .border)
        }
        let minX = first.x
        let maxX = max(self.points.last!.x, first.x + 1)
        let braille = screen.glyphs.braille
        let dotsWide = plot.width * (braille ? 2 : 1)
        let dotsHigh = plot.height * (braille ? 4 : 1)
        var dots = Set<[Int]>()
        func dot(_ x: Double, _ y: Double) -> (Int, Int) {
            let dx = Int(((x - minX) / (maxX - minX) * Double(dotsWide - 1)).rounded())
            let dy = Int(((high - y) / (high - low) * Double(dotsHigh - 1)).rounded())
            return (dx, dy)
        }
        // Straight segments between consecutive points.
        for (a, b) in zip(self.points, self.points.dropFirst() + [self.points.last!]) {
            let (x0, y0) = dot(a.x, a.y)
            let (x1, y1) = dot(b.x, b.y)
            let steps = max(abs(x1 - x0), abs(y1 - y0), 1)
            for step in 0...steps {
                let t = Double(step) / Double(steps)
                dots.insert([x0 + Int((Double(x1 - x0) * t).rounded()), y0 + Int((Double(y1 - y0) * t).rounded())])
            }
        }
        if braille {
            // Braille: bit for (column, row) within a 2×4 cell.
            let bits: [[UInt32]] = [[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]]
            var cells: [[Int]: UInt32] = [:]
            for d in dots { cells[[d[0] / 2, d[1] / 4], default: 0] |= bits[d[1] % 4][d[0] % 2] }
            for (cell, mask) in cells {
                screen[plot.x + cell[0], plot.y + cell[1]] = Cell(
                    character: Character(Unicode.Scalar(0x2800 + mask)!),
                    role: .chart
                )
            }
        } else {
            for d in dots { screen[plot.x + d[0], plot.y + d[1]] = Cell(character: "*", role: .chart) }
        }
        // X axis: first, middle and last round.
        let axisY = rect.y + rect.height - 1
        screen.put("round \(Int(minX))", x: plot.x, y: axisY, role: .dim, limit: plot.width)
        let last = "\(Int(maxX))"
        screen.put(last, x: plot.x + plot.width - last.count, y: axisY, role: .dim)
        if let latest = self.points.last {
            let text = "latest \(Format.metric(latest.y))"
            let x = plot.x + (plot.width - text.count) / 2
            if x > plot.x + 10 { screen.put(text, x: x, y: axisY, role: .accent) }
        }
    }
}
