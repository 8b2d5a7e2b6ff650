import FedgeAPIModels
package import Foundation

/// The console's logic without a terminal: keys change the state and may ask for actions; `render` draws the
/// state and the data into a screen buffer. The terminal driver only decodes keys, paints buffers and runs
/// actions.
///
/// ```swift
/// var console = Console()
/// let actions = console.handle(.character("s"), data: data)
/// let screen = console.render(data, width: 120, height: 40)
/// ```
package struct Console: Sendable {
    package var state = ConsoleState()
    package var theme: Theme = .dark
    package var glyphs: Glyphs = .unicode

    package init(state: ConsoleState = ConsoleState()) { self.state = state }

    // MARK: Keys

    /// Applies `key`; returns what the driver should do.
    package mutating func handle(_ key: Key, data: ConsoleData, now: Date = Date()) -> [ConsoleAction] {
        switch self.state.mode {
        case .help:
            if key == .character("q") || key == .escape || key == .character("?") || key == .enter {
                self.state.mode = .normal
            }
            if key == .interrupt { return [.quit] }
            return []
        case .confirmStop(let session):
            self.state.mode = .normal
            if key == .character("y") || key == .character("Y") {
                self.state.say("Stopping session \(session) …")
                return [.stopSession(session)]
            }
            self.state.say("Session \(session) keeps running.")
            return key == .interrupt ? [.quit] : []
        case .form(var form):
            if key == .escape {
                self.state.mode = .normal
                self.state.say("No session started.")
                return []
            }
            if key == .interrupt { return [.quit] }
            if let config = form.handle(key) {
                self.state.mode = .normal
                self.state.say("Starting a session: \(config.rounds ?? 0) rounds of \(config.aggregator ?? "fedavg") …")
                return [.startSession(config)]
            }
            self.state.mode = .form(form)
            if !form.errors.isEmpty { self.state.say("Fix the fields marked in red, then press Enter.", error: true) }
            return []
        case .filtering:
            var filter = self.state.filters[self.state.view] ?? ""
            switch key {
            case .enter:
                self.state.mode = .normal
                self.state.say(
                    filter.isEmpty
                        ? "Filter cleared." : "Filtering \(self.state.view.title.lowercased()) by '\(filter)'."
                )
            case .escape:
                filter = ""
                self.state.mode = .normal
                self.state.say("Filter cleared.")
            case .backspace:
                _ = filter.popLast()
            case .character(let character):
                filter.append(character)
            case .interrupt:
                return [.quit]
            default:
                break
            }
            self.state.filters[self.state.view] = filter.isEmpty ? nil : filter
            self.state.selection[self.state.view] = 0
            return []
        case .normal:
            return self.handleNormal(key, data: data)
        }
    }

    private mutating func handleNormal(_ key: Key, data: ConsoleData) -> [ConsoleAction] {
        let view = self.state.view
        let count = Views.itemCount(view, data: data, state: self.state)
        func move(_ delta: Int) {
            // The Events view follows its tail and the trail starts at its newest model until moved.
            let current = self.state.selection[view] ?? ((view == .events || view == .models) ? max(0, count - 1) : 0)
            self.state.selection[view] = max(0, min(max(0, count - 1), current + delta))
        }
        switch key {
        case .character("q"), .interrupt:
            return [.quit]
        case .character("?"):
            self.state.mode = .help
        case .character(let c) where c.isNumber && Int(String(c)).map({ ViewKind(rawValue: $0) != nil }) == true:
            self.state.view = ViewKind(rawValue: Int(String(c))!)!
        case .tab:
            self.state.view = ViewKind(rawValue: view.rawValue % ViewKind.allCases.count + 1)!
        case .backTab:
            self.state.view = ViewKind(
                rawValue: (view.rawValue + ViewKind.allCases.count - 2) % ViewKind.allCases.count + 1
            )!
        case .down, .character("j"): move(1)
        case .up, .character("k"): move(-1)
        case .pageDown, .character("J"): move(10)
        case .pageUp, .character("K"): move(-10)
        case .home, .character("g"): self.state.selection[view] = 0
        case .end, .character("G"):
            self.state.selection[view] = view == .events ? nil : max(0, count - 1)
        case .left, .character("h"):
            if view == .metrics {
                self.state.metricIndex = max(0, self.state.metricIndex - 1)
            } else {
                self.state.view = ViewKind(
                    rawValue: (view.rawValue + ViewKind.allCases.count - 2) % ViewKind.allCases.count + 1
                )!
            }
        case .right, .character("l"):
            if view == .metrics {
                self.state.metricIndex += 1
            } else {
                self.state.view = ViewKind(rawValue: view.rawValue % ViewKind.allCases.count + 1)!
            }
        case .character("/"):
            self.state.mode = .filtering
            self.state.say("Type to filter \(view.title.lowercased()); Enter keeps it, Esc clears it.")
        case .character("o"):
            let columns = Views.sortableColumns(view)
            guard !columns.isEmpty else { break }
            let next = ((self.state.sortColumn[view] ?? 0) + 1) % columns.count
            self.state.sortColumn[view] = next
            self.state.say("Sorted by \(columns[next]).")
        case .character("r"):
            self.state.say("Refreshing …")
            return [.refresh]
        case .character("s"):
            guard !self.state.combinerMode else {
                self.state.say("Sessions are started at the controller; this console shows one combiner.", error: true)
                break
            }
            self.state.mode = .form(SessionForm())
            self.state.say("New session: ↑/↓ move, type to edit, Enter starts it, Esc cancels.")
        case .character("x"):
            let target =
                view == .sessions
                ? Views.selectedSession(data: data, state: self.state) : data.sessions.first { $0.status == "running" }
            guard let session = target, session.status == "running" || session.status == "queued" else {
                self.state.say(
                    "No running or queued session to stop\(view == .sessions ? " is selected" : "").",
                    error: true
                )
                break
            }
            self.state.mode = .confirmStop(session.id)
            self.state.say("Stop session \(session.id)? The round in flight is cancelled on every combiner. y/n")
        case .character("a"):
            guard view == .models, let model = Views.selectedModel(data: data, state: self.state) else {
                self.state.say("Select a model in the Model trail view (6) to make it active.", error: true)
                break
            }
            guard !model.active else {
                self.state.say("Model \(model.id.prefix(12)) is already the active model.")
                break
            }
            self.state.say("Activating model \(model.id.prefix(12)) …")
            return [.activate(model: model.id)]
        case .escape:
            if self.state.filters[view] != nil {
                self.state.filters[view] = nil
                self.state.say("Filter cleared.")
            }
        default:
            break
        }
        return []
    }

    // MARK: Drawing

    /// Draws everything into a new buffer of the given size.
    package func render(_ data: ConsoleData, width: Int, height: Int, now: Date = Date()) -> ScreenBuffer {
        var screen = ScreenBuffer(width: width, height: height, glyphs: self.glyphs)
        Views.render(into: &screen, data: data, state: self.state, now: now)
        return screen
    }
}
