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
        if x + name.count + 2 < rect.x + rect.width {
            screen.put(name, x: rect.x + rect.width - name.count - 1, y: rect.y, role: .dim)
        }
    }

    private static func statusBar(
        into screen: inout ScreenBuffer,
        rect: Rect,
        data: ConsoleData,
        state: ConsoleState,
        now: Date
    ) {
        let error = state.statusIsError || (!data.connected && data.problem != nil)
        screen.fill(rect, role: error ? .statusError : .status)
        var left: String
        switch state.mode {
        case .filtering: left = " /\(state.filters[state.view] ?? "")▏"
        default: left = " " + (data.connected || data.problem == nil ? state.status : (data.problem ?? state.status))
        }
        if !data.connected, let problem = data.problem, !state.statusIsError { left = " " + problem }
        let right = data.connected ? "● live \(Format.clock(now)) " : "○ offline "
        screen.put(
            left,
            x: rect.x,
            y: rect.y,
            role: error ? .statusError : .status,
            limit: max(0, rect.width - right.count - 1)
        )
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
