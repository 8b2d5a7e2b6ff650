import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels
import FedgeConsole
import Foundation
import Synchronization

/// `fedge console`: the operator's live dashboard.
struct ConsoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Follow and drive the federation from a live terminal dashboard.",
        discussion: """
            Connects to the controller's control socket (or --url with a token from FEDGE_TOKEN or --token-file) and follows its event stream: \
            the overview, sessions, rounds, clients, combiners, the model trail, metric charts and the event log, \
            updated live. Keys start and stop sessions and set the active model; ? lists them all. With \
            --combiner NAME (or --socket at a combiner's socket) it shows that combiner's own view. Themes: \
            dark (default), light, mono, or a theme file (see themes/ and man fedge-console); NO_COLOR and dumb \
            terminals get the monochrome theme with ASCII lines.
            """
    )

    @OptionGroup var api: APIOptions

    @Option(help: "Attach to this combiner's control socket ($FEDGE_HOME/run/combiner-NAME.sock) for its local view.")
    var combiner: String?

    @Option(help: "dark, light, mono, or the path of a theme file.")
    var theme: String = "dark"

    func validate() throws {
        _ = try ConsoleThemes.load(self.theme)
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let combinerMode =
            self.combiner != nil
            || self.api.socket.map { ($0 as NSString).lastPathComponent.hasPrefix("combiner-") } == true
        let defaultSocket = self.combiner.map { APIEndpoint.defaultCombinerSocket(name: $0, environment: environment) }
        let endpoint = try self.api.endpoint(
            daemon: combinerMode ? .combiner : .controller,
            defaultSocket: defaultSocket
        )
        try await Self.open(endpoint: endpoint, theme: self.theme, combinerMode: combinerMode)
    }

    /// Runs the console on `endpoint` until the operator leaves it (also for `fedge demo`).
    static func open(endpoint: APIEndpoint, theme name: String, combinerMode: Bool = false) async throws {
        let environment = ProcessInfo.processInfo.environment
        var theme = try ConsoleThemes.load(name)
        var glyphs = Glyphs.unicode
        let term = environment["TERM"] ?? ""
        let utf8 =
            ["LC_ALL", "LC_CTYPE", "LANG"].compactMap { environment[$0] }.first { !$0.isEmpty }.map {
                $0.uppercased().contains("UTF-8") || $0.uppercased().contains("UTF8")
            } ?? false
        if environment["NO_COLOR"].map({ !$0.isEmpty }) == true || term == "dumb" || term.isEmpty {
            theme = .monochromeTheme
            glyphs = .ascii
        }
        if !utf8 { glyphs = .ascii }
        try await APIClient.withClient(endpoint: endpoint) { api in
            let feed = ConsoleFeed(api: api, combiner: combinerMode)
            let first = await feed.refresh(ConsoleData())
            guard first.connected else {
                throw ValidationError(first.problem ?? "The console could not reach \(endpoint).")
            }
            try await ConsoleSession(
                feed: feed,
                theme: theme,
                glyphs: glyphs,
                combinerMode: combinerMode,
                initial: first
            ).run()
        }
    }
}
