import FedgeCore
import FedgeEdge
import Foundation

/// The real `fedge console` in a real terminal (a detached tmux session, 120 × 40) while `fedge bench load` runs:
/// what an operator following the load over SSH would see, read off the screen.
///
/// Every 2 s it reads the screen (`tmux capture-pane`) and notes the session's rounds done ("round 12/100000" on the
/// overview) and the open round's progress ("round 13: 240 of 500 updates"). On the second read and every fourth after
/// it presses `3` (the sessions view, whose "History" box lists the rounds) and then `1` (back to the overview),
/// timing each until the screen shows the view: how long a key takes to answer under the load.
struct ConsoleWatch: Sendable {
    /// What the watch saw.
    struct Result: Sendable, Codable {
        /// Screens read.
        var screens: Int
        /// The rounds-done figure on the first and on the last overview read, and how many times it changed.
        var firstRoundsDone: Int?
        var lastRoundsDone: Int?
        var roundChanges: Int
        /// Screens on which the open round's progress line differed from the read before (the live stream at work).
        var progressChanges: Int
        /// Keys pressed, how long each took to show its view (seconds), and those that never did within 10 s.
        var keys: Int
        var keySeconds: Spread
        var keyTimeouts: Int
        /// Whether the console was still running at the end (its process alive, its screen not gone).
        var running: Bool
        /// The console process's highest VmRSS (MiB) and its CPU over the load (percent of one core).
        var peakMib: Double
        var cpuPercent: Double
        /// The last screen, kept when something went wrong, for the report.
        var lastScreen: String?

        /// Whether the console kept up: still running, every key answered, and the rounds it showed moved on.
        var keptUp: Bool {
            self.running && self.keyTimeouts == 0 && (self.roundChanges > 0 || self.progressChanges > 0)
        }
    }

    private let session: String
    /// The console's process id (the pane runs it directly).
    let pid: Int32

    /// Starts `fedge console --socket socket` in a new detached tmux session.
    ///
    /// - Throws: `BenchError.commandFailed` when tmux is missing or does not start it.
    static func start(fedge: String, socket: String) async throws -> ConsoleWatch {
        let session = "fedge-load-\(UUID().uuidString.prefix(8).lowercased())"
        let command = "exec env -u NO_COLOR LANG=C.UTF-8 \(Self.quoted(fedge)) console --socket \(Self.quoted(socket))"
        try await Self.tmux(["new-session", "-d", "-s", session, "-x", "120", "-y", "40", command])
        let pane = try await Self.tmux(["display-message", "-p", "-t", session, "#{pane_pid}"])
        guard let pid = Int32(pane.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw BenchError.commandFailed(command: "tmux display-message", status: 0, output: pane)
        }
        return ConsoleWatch(session: session, pid: pid)
    }

    /// Reads and drives the console until `deadline`, then closes it.
    func follow(until deadline: ContinuousClock.Instant) async -> Result {
        let cpuBefore = ProcessCPU.seconds(pid: self.pid) ?? 0
        let sampler = MemorySampler.start(pids: [self.pid], interval: .milliseconds(500))
        let start = ContinuousClock.now
        var result = Result(
            screens: 0,
            roundChanges: 0,
            progressChanges: 0,
            keys: 0,
            keySeconds: Spread([]),
            keyTimeouts: 0,
            running: true,
            peakMib: 0,
            cpuPercent: 0
        )
        var keySeconds: [Double] = []
        var lastProgress: String?
        var screen = ""
        while ContinuousClock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: .seconds(2))
            guard let read = try? await self.screen() else {
                result.running = false
                break
            }
            screen = read
            result.screens += 1
            if let done = Self.roundsDone(on: screen) {
                if result.firstRoundsDone == nil { result.firstRoundsDone = done }
                if let last = result.lastRoundsDone, last != done { result.roundChanges += 1 }
                result.lastRoundsDone = done
            }
            let progress = Self.progressLine(on: screen)
            if let progress, let lastProgress, progress != lastProgress { result.progressChanges += 1 }
            lastProgress = progress ?? lastProgress
            guard result.screens % 4 == 2 else { continue }
            for (key, shows) in [("3", { (s: String) in s.contains("History") }), ("1", { !$0.contains("History") })] {
                result.keys += 1
                if let seconds = await self.press(key, until: shows) {
                    keySeconds.append(seconds)
                } else {
                    result.keyTimeouts += 1
                }
            }
        }
        let held = max((ContinuousClock.now - start).inSeconds, 1e-3)
        result.running = result.running && ProcessCPU.seconds(pid: self.pid) != nil
        result.cpuPercent = ((ProcessCPU.seconds(pid: self.pid) ?? cpuBefore) - cpuBefore) / held * 100
        result.peakMib = Double(sampler.stop()[self.pid] ?? 0) / 1024
        result.keySeconds = Spread(keySeconds)
        if !result.keptUp { result.lastScreen = screen }
        _ = try? await Self.tmux(["kill-session", "-t", self.session])
        return result
    }

    /// Presses `key` and reads the screen every 50 ms until `shows` holds: the seconds it took, `nil` after 10 s.
    private func press(_ key: String, until shows: (String) -> Bool) async -> Double? {
        let start = ContinuousClock.now
        guard (try? await Self.tmux(["send-keys", "-t", self.session, key])) != nil else { return nil }
        while ContinuousClock.now - start < .seconds(10) {
            if let screen = try? await self.screen(), shows(screen) { return (ContinuousClock.now - start).inSeconds }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    private func screen() async throws -> String {
        try await Self.tmux(["capture-pane", "-p", "-t", self.session])
    }

    /// The rounds done of the overview's session line: `s-1a2b  running  fedavg  round 12/100000`.
    static func roundsDone(on screen: String) -> Int? {
        guard let range = screen.range(of: #"round [0-9]+/[0-9]+"#, options: .regularExpression) else { return nil }
        return Int(screen[range].dropFirst("round ".count).prefix { $0 != "/" })
    }

    /// The open round's progress line: `round 13: 240 of 500 updates (at least 1)`.
    static func progressLine(on screen: String) -> String? {
        guard let range = screen.range(of: #"round [0-9]+: [0-9]+ of [0-9]+ updates"#, options: .regularExpression)
        else { return nil }
        return String(screen[range])
    }

    /// Runs tmux with `arguments`; its standard output.
    ///
    /// - Throws: `BenchError.commandFailed` when it cannot start or exits with a failure.
    @discardableResult
    private static func tmux(_ arguments: [String]) async throws -> String {
        let output = try await SpawnedProcess.run("/usr/bin/env", ["tmux"] + arguments, timeout: .seconds(10))
        guard case .exited(0) = output.termination else {
            throw BenchError.commandFailed(
                command: "tmux \(arguments.first ?? "")",
                status: output.termination.status,
                output: output.stderr
            )
        }
        return output.stdout
    }

    /// `path` in single quotes for the shell tmux runs the command with.
    private static func quoted(_ path: String) -> String {
        "'" + path.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}
