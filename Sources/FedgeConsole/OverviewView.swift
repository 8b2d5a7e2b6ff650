import FedgeAPIModels
import Foundation

/// Federation health, the running session and its round's progress, recent rounds, the latest model.
enum OverviewView {
    static func render(into screen: inout ScreenBuffer, rect: Rect, data: ConsoleData, state: ConsoleState, now: Date) {
        let wide = rect.width >= 100
        let (top, bottom) = rect.splitTop(min(rect.height, 9))
        let (health, session) = top.splitLeft(wide ? 46 : max(42, top.width / 2))
        self.health(into: &screen, rect: health, data: data, now: now)
        self.session(into: &screen, rect: session, data: data, now: now)
        let (rounds, model) = bottom.splitLeft(wide ? bottom.width / 2 : bottom.width / 2)
        self.recentRounds(into: &screen, rect: rounds, data: data)
        self.latestModel(into: &screen, rect: model, data: data)
    }

    private static func health(into screen: inout ScreenBuffer, rect: Rect, data: ConsoleData, now: Date) {
        let inside = screen.box(rect, title: "Federation")
        let online = data.combiners.count { $0.status == "online" }
        let counts = data.clientCounts
        screen.line(
            "Controller  " + (data.connected ? "up \(Format.duration(data.health?.uptimeSeconds))" : "unreachable"),
            in: inside,
            row: 0,
            role: data.connected ? .ok : .error
        )
        screen.line(
            "Combiners   \(online) online, \(data.combiners.count - online) offline",
            in: inside,
            row: 1,
            role: online > 0 ? .normal : .warn
        )
        var x = inside.x
        let y = inside.y + 2
        if inside.height > 2 {
            x += screen.put("Clients     ", x: x, y: y, limit: inside.width)
            x += screen.put(
                "\(counts.online) online",
                x: x,
                y: y,
                role: .ok,
                limit: max(0, inside.x + inside.width - x)
            )
            x += screen.put(", ", x: x, y: y, limit: max(0, inside.x + inside.width - x))
            x += screen.put(
                "\(counts.stale) stale",
                x: x,
                y: y,
                role: counts.stale > 0 ? .warn : .dim,
                limit: max(0, inside.x + inside.width - x)
            )
            x += screen.put(", ", x: x, y: y, limit: max(0, inside.x + inside.width - x))
            screen.put(
                "\(counts.offline) offline",
                x: x,
                y: y,
                role: counts.offline > 0 ? .error : .dim,
                limit: max(0, inside.x + inside.width - x)
            )
        }
        screen.line("Models      \(data.models.count) in the trail", in: inside, row: 3)
        screen.line("Updated     \(Format.ago(data.updatedAt, now: now))", in: inside, row: 4, role: .dim)
    }

    private static func session(into screen: inout ScreenBuffer, rect: Rect, data: ConsoleData, now: Date) {
        let inside = screen.box(rect, title: "Session")
        guard let session = data.focusSession else {
            screen.line("No session yet. Press s to start one.", in: inside, row: 0, role: .dim)
            return
        }
        let role: Role = session.status == "running" ? .ok : session.status == "failed" ? .error : .normal
        screen.line(
            "\(session.id)  \(session.status)  \(session.config.aggregator ?? "")  round \(session.roundsDone)/\(session.config.rounds ?? 0)",
            in: inside,
            row: 0,
            role: role
        )
        let rounds = data.rounds(of: session.id)
        let sessionFraction = Double(session.roundsDone) / Double(max(1, session.config.rounds ?? 1))
        screen.put("rounds  ", x: inside.x, y: inside.y + 1, limit: inside.width)
        screen.bar(sessionFraction, x: inside.x + 8, y: inside.y + 1, width: max(0, inside.width - 9))
        guard let current = rounds.last(where: { $0.status == "running" }) else {
            if let last = rounds.last {
                screen.line(
                    "last round \(last.number): \(last.status), \(last.received) updates, \(Format.duration(last.durationSeconds))",
                    in: inside,
                    row: 3,
                    role: .dim
                )
            }
            if let reason = session.reason { screen.line(reason, in: inside, row: 4, role: .warn) }
            return
        }
        let expected = max(current.expected, current.received, 1)
        screen.line(
            "round \(current.number): \(current.received) of \(current.expected) updates (at least \(current.minimum))",
            in: inside,
            row: 2
        )
        screen.put("updates ", x: inside.x, y: inside.y + 3, limit: inside.width)
        screen.bar(
            Double(current.received) / Double(expected),
            x: inside.x + 8,
            y: inside.y + 3,
            width: max(0, inside.width - 9)
        )
        if let deadline = current.deadline {
            let left = deadline.timeIntervalSince(now)
            screen.line(
                left > 0 ? "deadline in \(Format.duration(left))" : "deadline passed; collecting partials",
                in: inside,
                row: 4,
                role: left < 10 ? .warn : .dim
            )
        }
        for (index, part) in current.participation.prefix(max(0, inside.height - 5)).enumerated() {
            screen.line(
                "  \(part.combiner): \(part.received)/\(part.selected)"
                    + (part.failed > 0 ? ", \(part.failed) failed" : "")
                    + (part.refused > 0 ? ", \(part.refused) refused" : ""),
                in: inside,
                row: 5 + index,
                role: .dim
            )
        }
    }

    private static func recentRounds(into screen: inout ScreenBuffer, rect: Rect, data: ConsoleData) {
        let inside = screen.box(rect, title: "Recent rounds")
        let rounds = Array(data.rounds.prefix(max(0, inside.height - 1)))
        Table(
            columns: [
                .init(title: "SESSION", width: 11), .init(title: "ROUND", width: 5, alignRight: true),
                .init(title: "STATUS", width: 9),
                .init(title: "UPD", width: 4, alignRight: true), .init(title: "TIME", width: 0),
            ],
            rows: rounds.map {
                [$0.session, "\($0.number)", $0.status, "\($0.received)", Format.duration($0.durationSeconds)]
            },
            roles: rounds.map { $0.status == "failed" ? .error : $0.status == "running" ? .accent : .normal }
        ).draw(into: &screen, rect: inside)
    }

    private static func latestModel(into screen: inout ScreenBuffer, rect: Rect, data: ConsoleData) {
        let inside = screen.box(rect, title: "Latest model")
        guard let model = data.models.first else {
            screen.line("No model yet: fedge model upload SEED --activate", in: inside, row: 0, role: .dim)
            return
        }
        screen.line("\(Format.hash(model.id))\(model.active ? "  (active)" : "")", in: inside, row: 0, role: .accent)
        screen.line(
            model.round.map { "\(model.session ?? "") round \($0), \(model.aggregator ?? "")" } ?? "seed",
            in: inside,
            row: 1
        )
        screen.line(
            "weight \(model.totalWeight.map { Format.metric($0) } ?? "-"), \(Format.bytes(UInt64(max(0, model.size))))",
            in: inside,
            row: 2,
            role: .dim
        )
        var row = 3
        if !model.active, let active = data.models.first(where: \.active) {
            screen.line(
                "active \(Format.hash(active.id))" + (active.round.map { " (round \($0))" } ?? " (seed)"),
                in: inside,
                row: row,
                role: .accent
            )
            row += 1
        }
        for metric in model.metrics.sorted(by: { $0.key < $1.key }).prefix(max(0, inside.height - row)) {
            screen.line("\(metric.key) \(Format.metric(metric.value))", in: inside, row: row, role: .chart)
            row += 1
        }
    }
}
