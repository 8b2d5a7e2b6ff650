import FedgeAPIClient
import FedgeAPIModels
import FedgeConsole
import Foundation
import NIOConcurrencyHelpers

/// One run of the console: a terminal thread that reads keys and paints, and async tasks that keep the data
/// fresh (the event stream, and a refresh after each event or every few seconds) and carry out actions.
struct ConsoleSession {
    let feed: ConsoleFeed
    let theme: Theme
    let glyphs: Glyphs
    let combinerMode: Bool
    let initial: ConsoleData

    /// What the two sides share: the newest data, status messages for the status line, and whether to quit.
    final class Shared: Sendable {
        struct State {
            var data: ConsoleData
            var dataVersion = 0
            var messages: [(String, Bool)] = []
            var quit = false
        }

        let state: NIOLockedValueBox<State>

        init(data: ConsoleData) { self.state = NIOLockedValueBox(State(data: data)) }

        func publish(_ update: (inout ConsoleData) -> Void) {
            self.state.withLockedValue { state in
                update(&state.data)
                state.dataVersion += 1
            }
        }

        func say(_ text: String, error: Bool = false) {
            self.state.withLockedValue { $0.messages.append((text, error)) }
        }
    }

    func run() async throws {
        let shared = Shared(data: self.initial)
        let (actions, actionSink) = AsyncStream.makeStream(of: ConsoleAction.self)
        let (refreshes, refreshSink) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let (uiDone, uiDoneSink) = AsyncStream.makeStream(of: Void.self)
        let (theme, glyphs, combinerMode) = (self.theme, self.glyphs, self.combinerMode)
        let thread = Thread {
            Self.terminalLoop(
                shared: shared,
                theme: theme,
                glyphs: glyphs,
                combinerMode: combinerMode,
                actions: actionSink
            )
            uiDoneSink.yield()
            uiDoneSink.finish()
        }
        thread.stackSize = 8 << 20
        thread.start()
        let feed = self.feed
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await Self.refresh(shared, from: feed, on: refreshes) }
            group.addTask {
                // Every 3 seconds regardless of events.
                while !Task.isCancelled {
                    refreshSink.yield()
                    try? await Task.sleep(for: .seconds(3))
                }
            }
            // The event stream (the controller's; a combiner's events come with each refresh).
            if !self.combinerMode {
                group.addTask { await Self.follow(feed, into: shared, refresh: refreshSink) }
            }
            // Actions the keys asked for, until quit.
            group.addTask {
                for await action in actions {
                    if case .quit = action { return }
                    await Self.perform(action, on: feed, shared: shared)
                    refreshSink.yield()
                }
            }
            // Ends when the terminal thread is done (q, Ctrl-C).
            _ = await group.next()
            shared.state.withLockedValue { $0.quit = true }
            for await _ in uiDone {}
            refreshSink.finish()
            actionSink.finish()
            group.cancelAll()
        }
    }

    /// Refreshes the data when asked (after events, and on the ticker), at most 5 times a second: requests made
    /// while one runs coalesce into the next.
    private static func refresh(_ shared: Shared, from feed: ConsoleFeed, on requests: AsyncStream<Void>) async {
        var data = shared.state.withLockedValue { $0.data }
        for await _ in requests {
            let fresh = await feed.refresh(data)
            data = fresh
            shared.publish { current in
                let events = current.events
                current = fresh
                current.events = events
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Follows the controller's live events from the latest 200 on, reconnecting after a second when the stream
    /// breaks; each event asks for a refresh.
    private static func follow(_ feed: ConsoleFeed, into shared: Shared, refresh: AsyncStream<Void>.Continuation) async
    {
        var since: Int64 = 0
        if let recent = try? await feed.api.listEvents(limit: 200) {
            shared.publish { $0.append(events: recent.items) }
            since = recent.items.map(\.id).max() ?? 0
        }
        while !Task.isCancelled {
            do {
                for try await event in feed.events(since: since) {
                    shared.publish { $0.append(events: [event]) }
                    if event.id > 0 { since = event.id }
                    refresh.yield()
                }
            } catch {}
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// Carries out an action through the API and says how it went on the status line.
    private static func perform(_ action: ConsoleAction, on feed: ConsoleFeed, shared: Shared) async {
        do {
            switch action {
            case .quit, .refresh:
                break
            case .startSession(let config):
                let session = try await feed.api.createSession(config)
                shared.say(
                    "Session \(session.id) \(session.status): \(session.config.rounds ?? 0) rounds of \(session.config.aggregator ?? "")"
                )
            case .stopSession(let id):
                let session = try await feed.api.stopSession(id)
                shared.say("Session \(session.id) \(session.status).")
            case .activate(let model):
                let active = try await feed.api.activate(model: model)
                shared.say("Model \(active.id.prefix(12)) is now the active model.")
            }
        } catch {
            shared.say("\(error)", error: true)
        }
    }

    /// The terminal thread: keys in, paint out, until quit.
    private static func terminalLoop(
        shared: Shared,
        theme: Theme,
        glyphs: Glyphs,
        combinerMode: Bool,
        actions: AsyncStream<ConsoleAction>.Continuation
    ) {
        let terminal = Terminal(theme: theme, glyphs: glyphs)
        defer { terminal.close() }
        var console = Console()
        console.glyphs = glyphs
        console.theme = terminal.theme
        console.state.combinerMode = combinerMode
        if combinerMode {
            console.state.say("Combiner view: its clients, its current round and its events. Press ? for help.")
        }
        var seenVersion = -1
        var data = ConsoleData()
        var lastPaint = Date.distantPast
        var dirty = true
        while true {
            let (version, latest, messages, quit) = shared.state.withLockedValue {
                state -> (Int, ConsoleData?, [(String, Bool)], Bool) in
                let messages = state.messages
                state.messages = []
                return (state.dataVersion, state.dataVersion != seenVersion ? state.data : nil, messages, state.quit)
            }
            if quit { return }
            if let latest {
                data = latest
                seenVersion = version
                dirty = true
            }
            for (text, error) in messages {
                console.state.say(text, error: error)
                dirty = true
            }
            let now = Date()
            // Clocks and countdowns move once a second; nothing else is drawn unless something changed.
            if dirty || now.timeIntervalSince(lastPaint) >= 1 {
                terminal.paint(console.render(data, width: terminal.width, height: terminal.height, now: now))
                lastPaint = now
                dirty = false
            }
            guard let key = terminal.readKey() else { continue }
            if key == .resize {
                terminal.updateSize()
                dirty = true
                continue
            }
            for action in console.handle(key, data: data, now: now) {
                actions.yield(action)
                if action == .quit { return }
            }
            dirty = true
        }
    }
}
