import FedgeAPIModels
import Foundation

/// Sessions with their status; the selected one's config and rounds below.
enum SessionsView {
    static func rows(data: ConsoleData, state: ConsoleState) -> [SessionDTO] {
        data.sessions.filter { Views.matches(state.filters[.sessions], $0.id, $0.status, $0.config.aggregator ?? "") }
    }

    static func render(into screen: inout ScreenBuffer, rect: Rect, data: ConsoleData, state: ConsoleState, now: Date) {
        let sessions = self.rows(data: data, state: state)
        let (top, bottom) = rect.splitTop(max(4, min(sessions.count + 3, rect.height / 2)))
        let list = screen.box(top, title: "Sessions" + (state.filters[.sessions].map { " /\($0)" } ?? ""))
        Table(
            columns: [
                .init(title: "ID", width: 11), .init(title: "STATUS", width: 9), .init(title: "AGGREGATOR", width: 13),
                .init(title: "ROUNDS", width: 9), .init(title: "LATEST MODEL", width: 12),
                .init(title: "CREATED", width: 0),
            ],
            rows: sessions.map {
                [
                    $0.id, $0.status, $0.config.aggregator ?? "", "\($0.roundsDone)/\($0.config.rounds ?? 0)",
                    Format.hash($0.latestModel), Format.ago($0.createdAt, now: now),
                ]
            },
            roles: sessions.map {
                $0.status == "running"
                    ? .ok : $0.status == "failed" ? .error : $0.status == "queued" ? .accent : .normal
            },
            selected: state.selected(.sessions)
        ).draw(into: &screen, rect: list)
        guard let session = Views.selectedSession(data: data, state: state) else { return }
        let detail = screen.box(bottom, title: "Session \(session.id)")
        let (config, roundsArea) = detail.splitLeft(min(44, detail.width / 2))
        let c = session.config
        let lines = [
            (
                "aggregator",
                (c.aggregator ?? "fedavg")
                    + ((c.aggregatorParams ?? [:]).isEmpty
                        ? "" : " " + Format.metrics(c.aggregatorParams ?? [:], limit: 4))
            ),
            ("rounds", "\(session.roundsDone) of \(c.rounds ?? 0)"),
            ("round timeout", Format.duration(c.roundTimeout)),
            ("buffer size", (c.bufferSize ?? 0) == 0 ? "every selected client" : "\(c.bufferSize ?? 0)"),
            ("clients required", "\(c.clientsRequired ?? 1)"),
            (
                "clients requested",
                (c.requestedClients ?? 0) == 0 ? "every active client" : "\(c.requestedClients ?? 0)"
            ),
            ("validate", (c.validate ?? true) ? "yes" : "no"),
            ("seed model", Format.hash(session.seedModel)),
            (
                "client settings",
                (c.clientSettings ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(
                    separator: " "
                )
            ),
        ]
        for (index, (name, value)) in lines.enumerated() {
            screen.line(
                name.padding(toLength: 18, withPad: " ", startingAt: 0) + value,
                in: config,
                row: index,
                role: index == 0 ? .accent : .normal
            )
        }
        if let reason = session.reason { screen.line(reason, in: config, row: lines.count, role: .warn) }
        let rounds = data.rounds(of: session.id).reversed()
        Table(
            columns: [
                .init(title: "ROUND", width: 5, alignRight: true), .init(title: "STATUS", width: 9),
                .init(title: "UPD", width: 5, alignRight: true),
                .init(title: "TIME", width: 6), .init(title: "MODEL", width: 12), .init(title: "REASON", width: 0),
            ],
            rows: rounds.map {
                [
                    "\($0.number)", $0.status, "\($0.received)", Format.duration($0.durationSeconds),
                    Format.hash($0.model), $0.reason ?? "",
                ]
            },
            roles: rounds.map { $0.status == "failed" ? .error : $0.status == "running" ? .accent : .normal }
        ).draw(into: &screen, rect: roundsArea.inset(1, 0))
    }
}

/// The current round per combiner, and the history of rounds.
enum RoundsView {
    static func rows(data: ConsoleData, state: ConsoleState) -> [RoundDTO] {
        data.rounds.filter { Views.matches(state.filters[.rounds], $0.session, $0.status, "\($0.number)") }
    }

    static func render(into screen: inout ScreenBuffer, rect: Rect, data: ConsoleData, state: ConsoleState, now: Date) {
        let running = data.rounds.first { $0.status == "running" }
        let parts = running?.participation ?? []
        let (top, bottom) = rect.splitTop(max(5, min(parts.count + 4, rect.height / 2)))
        let current = screen.box(
            top,
            title: running.map { "Round \($0.number) of \($0.session) — in progress" } ?? "Current round"
        )
        if let running {
            let deadline = running.deadline.map { $0.timeIntervalSince(now) } ?? 0
            screen.line(
                "\(running.received) of \(running.expected) updates, at least \(running.minimum); "
                    + (deadline > 0 ? "deadline in \(Format.duration(deadline))" : "deadline passed"),
                in: current,
                row: 0
            )
            for (index, part) in parts.enumerated() where index + 1 < current.height {
                let label =
                    " \(part.combiner.padding(toLength: 12, withPad: " ", startingAt: 0)) \(part.received)/\(part.selected) "
                let y = current.y + 1 + index
                let used = screen.put(label, x: current.x, y: y, limit: current.width)
                screen.bar(
                    Double(part.received) / Double(max(1, part.selected)),
                    x: current.x + used,
                    y: y,
                    width: max(0, min(40, current.width - used - 20))
                )
                let extra =
                    (part.failed > 0 ? " \(part.failed) failed" : "")
                    + (part.refused > 0 ? " \(part.refused) refused" : "")
                screen.put(
                    extra,
                    x: current.x + used + min(40, max(0, current.width - used - 20)) + 1,
                    y: y,
                    role: .warn,
                    limit: 20
                )
            }
            if parts.isEmpty {
                screen.line("waiting for the combiners' first progress report …", in: current, row: 1, role: .dim)
            }
        } else {
            screen.line("No round is running.", in: current, row: 0, role: .dim)
        }
        let history = screen.box(bottom, title: "History" + (state.filters[.rounds].map { " /\($0)" } ?? ""))
        let rounds = self.rows(data: data, state: state)
        Table(
            columns: [
                .init(title: "SESSION", width: 11), .init(title: "ROUND", width: 5, alignRight: true),
                .init(title: "STATUS", width: 9),
                .init(title: "UPDATES", width: 8, alignRight: true), .init(title: "MIN", width: 4, alignRight: true),
                .init(title: "DURATION", width: 8), .init(title: "MODEL", width: 12), .init(title: "REASON", width: 0),
            ],
            rows: rounds.map {
                [
                    $0.session, "\($0.number)", $0.status, "\($0.received)/\($0.expected)", "\($0.minimum)",
                    Format.duration($0.durationSeconds),
                    Format.hash($0.model), $0.reason ?? "",
                ]
            },
            roles: rounds.map {
                $0.status == "failed"
                    ? .error : $0.status == "running" ? .accent : $0.status == "cancelled" ? .warn : .normal
            },
            selected: state.selected(.rounds)
        ).draw(into: &screen, rect: history)
    }
}
