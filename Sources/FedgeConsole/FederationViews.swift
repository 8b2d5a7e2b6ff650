import FedgeAPIModels
import Foundation

/// Clients: status, combiner, last seen, tasks, telemetry; sortable (o) and filterable (/).
enum ClientsView {
    static let sortNames = ["name", "status", "combiner", "last seen", "tasks done", "tasks failed", "cpu"]

    /// Online first, then stale, then offline.
    static func rank(_ status: String) -> Int { ["online": 0, "stale": 1, "offline": 2][status] ?? 3 }

    static func rows(data: ConsoleData, state: ConsoleState) -> [ClientDTO] {
        let filtered = data.clients.filter {
            Views.matches(state.filters[.clients], $0.name, $0.status, $0.combiner ?? "")
        }
        switch state.sortColumn[.clients] ?? 0 {
        case 1: return filtered.sorted { (rank($0.status), $0.name) < (rank($1.status), $1.name) }
        case 2: return filtered.sorted { ($0.combiner ?? "", $0.name) < ($1.combiner ?? "", $1.name) }
        case 3: return filtered.sorted { $0.lastSeen > $1.lastSeen }
        case 4: return filtered.sorted { $0.tasksDone > $1.tasksDone }
        case 5: return filtered.sorted { $0.tasksFailed > $1.tasksFailed }
        case 6: return filtered.sorted { ($0.telemetry?.cpuPercent ?? 0) > ($1.telemetry?.cpuPercent ?? 0) }
        default: return filtered.sorted { $0.name < $1.name }
        }
    }

    static func render(into screen: inout ScreenBuffer, rect: Rect, data: ConsoleData, state: ConsoleState, now: Date) {
        let clients = self.rows(data: data, state: state)
        let counts = data.clientCounts
        let sort = self.sortNames[(state.sortColumn[.clients] ?? 0) % self.sortNames.count]
        let inside = screen.box(
            rect,
            title: "Clients: \(counts.online) online, \(counts.stale) stale, \(counts.offline) offline — by \(sort)"
                + (state.filters[.clients].map { " /\($0)" } ?? "")
        )
        Table(
            columns: [
                .init(title: "NAME", width: 0), .init(title: "STATUS", width: 7), .init(title: "COMBINER", width: 12),
                .init(title: "LAST SEEN", width: 9), .init(title: "DONE", width: 5, alignRight: true),
                .init(title: "FAIL", width: 5, alignRight: true),
                .init(title: "CPU", width: 6, alignRight: true), .init(title: "MEMORY", width: 10, alignRight: true),
            ],
            rows: clients.map { client in
                [
                    client.name, client.status, client.combiner ?? "-", Format.ago(client.lastSeen, now: now),
                    "\(client.tasksDone)", "\(client.tasksFailed)",
                    client.telemetry.map { String(format: "%.0f%%", $0.cpuPercent) } ?? "-",
                    client.telemetry.map { Format.bytes($0.processRssBytes) } ?? "-",
                ]
            },
            roles: clients.map { $0.status == "online" ? .normal : $0.status == "stale" ? .warn : .dim },
            selected: state.selected(.clients)
        ).draw(into: &screen, rect: inside)
    }
}

/// Combiners: address, status, their clients by liveness.
enum CombinersView {
    static let sortNames = ["name", "status", "clients online"]

    static func rows(data: ConsoleData, state: ConsoleState) -> [CombinerDTO] {
        let filtered = data.combiners.filter {
            Views.matches(state.filters[.combiners], $0.name, $0.status, $0.address)
        }
        switch state.sortColumn[.combiners] ?? 0 {
        case 1:
            return filtered.sorted { (ClientsView.rank($0.status), $0.name) < (ClientsView.rank($1.status), $1.name) }
        case 2: return filtered.sorted { $0.clientsOnline > $1.clientsOnline }
        default: return filtered.sorted { $0.name < $1.name }
        }
    }

    static func render(into screen: inout ScreenBuffer, rect: Rect, data: ConsoleData, state: ConsoleState, now: Date) {
        let combiners = self.rows(data: data, state: state)
        let inside = screen.box(rect, title: "Combiners" + (state.filters[.combiners].map { " /\($0)" } ?? ""))
        Table(
            columns: [
                .init(title: "NAME", width: 14), .init(title: "ADDRESS", width: 0), .init(title: "STATUS", width: 8),
                .init(title: "ONLINE", width: 6, alignRight: true), .init(title: "STALE", width: 6, alignRight: true),
                .init(title: "OFFLINE", width: 7, alignRight: true), .init(title: "LAST SEEN", width: 9),
            ],
            rows: combiners.map {
                [
                    $0.name, $0.address, $0.status, "\($0.clientsOnline)", "\($0.clientsStale)", "\($0.clientsOffline)",
                    Format.ago($0.lastSeen, now: now),
                ]
            },
            roles: combiners.map { $0.status == "online" ? .normal : .dim },
            selected: state.selected(.combiners)
        ).draw(into: &screen, rect: inside)
    }
}

/// The audit and event log, newest at the bottom, filterable. It follows the tail until the operator moves the
/// selection up; progress notices (every second per combiner) show only when the filter asks for them.
enum EventsView {
    static func rows(data: ConsoleData, state: ConsoleState) -> [EventDTO] {
        let filter = state.filters[.events]
        return data.events.filter { event in
            (event.kind != "round.progress" || (filter?.contains("progress") ?? false))
                && Views.matches(filter, event.kind, event.message, event.subject ?? "", event.actor)
        }
    }

    static func render(into screen: inout ScreenBuffer, rect: Rect, data: ConsoleData, state: ConsoleState, now: Date) {
        let events = self.rows(data: data, state: state)
        let following = state.selection[.events] == nil
        let inside = screen.box(
            rect,
            title: "Events" + (state.filters[.events].map { " /\($0)" } ?? "")
                + (following ? " — following" : " — k/↑ to scroll, G to follow")
        )
        Table(
            columns: [
                .init(title: "TIME", width: 8), .init(title: "KIND", width: 17), .init(title: "SUBJECT", width: 14),
                .init(title: "MESSAGE", width: 0),
            ],
            rows: events.map { [Format.clock($0.createdAt), $0.kind, $0.subject ?? "", $0.message] },
            roles: events.map {
                $0.kind.hasSuffix("failed")
                    ? .error : $0.kind.hasSuffix("committed") ? .ok : $0.kind.hasSuffix("stopped") ? .warn : .normal
            },
            selected: following ? max(0, events.count - 1) : state.selection[.events]
        ).draw(into: &screen, rect: inside)
    }
}
