import FedgeAPIModels
import Foundation

/// Draws the console: tab bar, the current view, the status bar, and any overlay (help, form, question).
enum Views {
    static func render(into screen: inout ScreenBuffer, data: ConsoleData, state: ConsoleState, now: Date) {
        guard screen.width >= 20, screen.height >= 6 else {
            screen.put("Terminal too small", x: 0, y: 0, role: .error)
            return
        }
        let (tabs, rest) = screen.bounds.splitTop(1)
        let (body, statusRow) = rest.splitTop(rest.height - 1)
        self.tabBar(into: &screen, rect: tabs, state: state, data: data)
        switch state.view {
        case .overview: OverviewView.render(into: &screen, rect: body, data: data, state: state, now: now)
        case .sessions: SessionsView.render(into: &screen, rect: body, data: data, state: state, now: now)
        case .rounds: RoundsView.render(into: &screen, rect: body, data: data, state: state, now: now)
        case .clients: ClientsView.render(into: &screen, rect: body, data: data, state: state, now: now)
        case .combiners: CombinersView.render(into: &screen, rect: body, data: data, state: state, now: now)
        case .models: ModelsView.render(into: &screen, rect: body, data: data, state: state, now: now)
        case .metrics: MetricsView.render(into: &screen, rect: body, data: data, state: state, now: now)
        case .events: EventsView.render(into: &screen, rect: body, data: data, state: state, now: now)
        }
        self.statusBar(into: &screen, rect: statusRow, data: data, state: state, now: now)
        switch state.mode {
        case .help: HelpView.render(into: &screen, rect: body)
        case .form(let form): FormView.render(into: &screen, rect: body, form: form)
        case .confirmStop(let session): self.question(into: &screen, rect: body, text: "Stop session \(session)? (y/n)")
        case .normal, .filtering: break
        }
    }

    private static func tabBar(into screen: inout ScreenBuffer, rect: Rect, state: ConsoleState, data: ConsoleData) {
        screen.fill(rect, role: .tab)
        var x = rect.x
        x += screen.put(" fedge ", x: x, y: rect.y, role: .title)
        for view in ViewKind.allCases {
            let label = rect.width >= 110 ? " \(view.rawValue) \(view.title) " : " \(view.rawValue) \(view.shortTitle) "
            x += screen.put(label, x: x, y: rect.y, role: view == state.view ? .tabActive : .tab)
        }
        let name = data.health.map { "\($0.role) \($0.name)" } ?? ""
        if x + name.count + 2 < rect.x + rect.width { screen.put(name, x: rect.x + rect.width - name.count - 1, y: rect.y, role: .dim) }
    }

    private static func statusBar(into screen: inout ScreenBuffer, rect: Rect, data: ConsoleData, state: ConsoleState, now: Date) {
        let error = state.statusIsError || (!data.connected && data.problem != nil)
        screen.fill(rect, role: error ? .statusError : .status)
        var left: String
        switch state.mode {
        case .filtering: left = " /\(state.filters[state.view] ?? "")▏"
        default: left = " " + (data.connected || data.problem == nil ? state.status : (data.problem ?? state.status))
        }
        if !data.connected, let problem = data.problem, !state.statusIsError { left = " " + problem }
        let right = data.connected ? "● live \(Format.clock(now)) " : "○ offline "
        screen.put(left, x: rect.x, y: rect.y, role: error ? .statusError : .status, limit: max(0, rect.width - right.count - 1))
        screen.put(right, x: rect.x + rect.width - right.count, y: rect.y, role: error ? .statusError : .status)
    }

    static func question(into screen: inout ScreenBuffer, rect: Rect, text: String) {
        let width = min(rect.width - 4, text.count + 6)
        let box = Rect(x: rect.x + (rect.width - width) / 2, y: rect.y + rect.height / 2 - 2, width: width, height: 5)
        screen.fill(box)
        let inside = screen.box(box, title: "Confirm", role: .warn)
        screen.line(" " + text, in: inside, row: 1, role: .warn)
    }

    // MARK: Shared by key handling and views

    static func itemCount(_ view: ViewKind, data: ConsoleData, state: ConsoleState) -> Int {
        switch view {
        case .overview, .metrics: 0
        case .sessions: SessionsView.rows(data: data, state: state).count
        case .rounds: RoundsView.rows(data: data, state: state).count
        case .clients: ClientsView.rows(data: data, state: state).count
        case .combiners: CombinersView.rows(data: data, state: state).count
        case .models: ModelsView.rows(data: data, state: state).count
        case .events: EventsView.rows(data: data, state: state).count
        }
    }

    static func sortableColumns(_ view: ViewKind) -> [String] {
        switch view {
        case .clients: ClientsView.sortNames
        case .combiners: CombinersView.sortNames
        default: []
        }
    }

    static func selectedSession(data: ConsoleData, state: ConsoleState) -> SessionDTO? {
        let rows = SessionsView.rows(data: data, state: state)
        return rows.isEmpty ? nil : rows[min(state.selected(.sessions), rows.count - 1)]
    }

    static func selectedModel(data: ConsoleData, state: ConsoleState) -> ModelDTO? {
        let rows = ModelsView.rows(data: data, state: state)
        return rows.isEmpty ? nil : rows[min(state.selection[.models] ?? rows.count - 1, rows.count - 1)].model
    }

    /// Whether `text` matches the view's filter (case-insensitive, any of the fields).
    static func matches(_ filter: String?, _ fields: String...) -> Bool {
        guard let filter, !filter.isEmpty else { return true }
        return fields.contains { $0.localizedCaseInsensitiveContains(filter) }
    }
}

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

/// Short human forms of numbers, sizes, times and hashes.
enum Format {
    static func clock(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss"
        return formatter.string(from: date)
    }

    static func ago(_ date: Date?, now: Date) -> String {
        guard let date else { return "-" }
        let seconds = max(0, Int(now.timeIntervalSince(date)))
        if seconds < 2 { return "now" }
        if seconds < 90 { return "\(seconds)s ago" }
        if seconds < 5400 { return "\(seconds / 60)m ago" }
        if seconds < 172_800 { return "\(seconds / 3600)h ago" }
        return "\(seconds / 86400)d ago"
    }

    static func duration(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite else { return "-" }
        if seconds < 10 { return String(format: "%.1fs", seconds) }
        if seconds < 120 { return "\(Int(seconds))s" }
        return "\(Int(seconds) / 60)m\(String(format: "%02d", Int(seconds) % 60))s"
    }

    static func bytes(_ value: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var amount = Double(value)
        var unit = 0
        while amount >= 1024 && unit < units.count - 1 {
            amount /= 1024
            unit += 1
        }
        return unit == 0 ? "\(value) B" : String(format: "%.1f %@", amount, units[unit])
    }

    static func hash(_ id: String?) -> String { id.map { String($0.prefix(12)) } ?? "-" }

    static func metric(_ value: Double) -> String {
        abs(value) >= 1000 || (abs(value) < 0.001 && value != 0) ? String(format: "%.3g", value) : String(format: "%.4f", value)
            .replacingOccurrences(of: #"\.?0+$"#, with: "", options: .regularExpression)
    }

    static func metrics(_ metrics: [String: Double], limit: Int = 3) -> String {
        metrics.sorted { $0.key < $1.key }.prefix(limit).map { "\($0.key)=\(Self.metric($0.value))" }.joined(separator: " ")
    }
}
