import Foundation

/// Every key binding, over the current view.
package enum HelpView {
    package static let bindings: [(String, String)] = [
        (
            "1 … 8, Tab, Shift-Tab",
            "switch view: Overview, Sessions, Rounds, Clients, Combiners, Model trail, Metrics, Events"
        ),
        ("↑ ↓  j k", "move the selection"),
        ("PgUp PgDn  K J", "move by ten"),
        ("Home End  g G", "first, last"),
        ("← →  h l", "previous / next view; in Metrics, previous / next metric"),
        ("/", "filter the current view (Enter keeps, Esc clears)"),
        ("o", "sort the Clients or Combiners table by the next column"),
        ("s", "start a session (a form: ↑/↓ fields, type values, ←/→ aggregator, space toggles, Enter starts)"),
        ("x", "stop the running session (or the one selected in Sessions), after y/n"),
        ("a", "make the model selected in Model trail the active model"),
        ("r", "refresh now"),
        ("?", "this help (any of ? q Esc Enter closes it)"),
        ("q  Ctrl-C", "quit"),
    ]

    static func render(into screen: inout ScreenBuffer, rect: Rect) {
        let width = min(rect.width - 2, 100)
        let height = min(rect.height - 2, self.bindings.count + 4)
        let box = Rect(x: rect.x + (rect.width - width) / 2, y: rect.y + 1, width: width, height: height)
        screen.fill(box)
        let inside = screen.box(box, title: "Keys")
        for (index, (key, action)) in self.bindings.enumerated() where index < inside.height - 1 {
            let y = inside.y + index
            screen.put(" " + key, x: inside.x, y: y, role: .key, limit: 24)
            screen.put(action, x: inside.x + 25, y: y, limit: inside.width - 25)
        }
        screen.line(
            " The status line at the bottom says what each action did, and why when it failed.",
            in: inside,
            row: inside.height - 1,
            role: .dim
        )
    }
}

/// The start-a-session form.
enum FormView {
    static func render(into screen: inout ScreenBuffer, rect: Rect, form: SessionForm) {
        let width = min(rect.width - 2, 90)
        let height = min(rect.height - 1, SessionForm.Field.allCases.count + 4)
        let box = Rect(x: rect.x + (rect.width - width) / 2, y: rect.y + 1, width: width, height: height)
        screen.fill(box)
        let inside = screen.box(box, title: "Start a session — Enter starts, Esc cancels")
        for field in SessionForm.Field.allCases where field.rawValue < inside.height - 1 {
            let y = inside.y + field.rawValue
            let focused = field == form.focus
            screen.put(
                (focused ? "▸ " : "  ") + field.label,
                x: inside.x,
                y: y,
                role: focused ? .key : .normal,
                limit: 22
            )
            let value = form.display(field) + (focused && field != .aggregator && field != .validate ? "▏" : "")
            let shown = field == .aggregator ? "◂ \(value) ▸" : value
            let used = screen.put(
                shown,
                x: inside.x + 22,
                y: y,
                role: focused ? .selected : .accent,
                limit: max(0, inside.width - 24)
            )
            if let error = form.errors[field] {
                screen.put(
                    "  " + error,
                    x: inside.x + 22 + used,
                    y: y,
                    role: .error,
                    limit: max(0, inside.width - 22 - used)
                )
            } else if focused {
                screen.put(
                    "  " + field.hint,
                    x: inside.x + 22 + used,
                    y: y,
                    role: .dim,
                    limit: max(0, inside.width - 22 - used)
                )
            }
        }
    }
}
