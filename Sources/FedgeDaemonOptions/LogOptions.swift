package import ArgumentParser
package import Logging

/// `--log-level`, shared by the daemons and the edge client.
package struct LogOptions: ParsableArguments {
    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    package var logLevel: String = "info"

    package init() {}

    package func validate() throws {
        guard Logger.Level(rawValue: self.logLevel) != nil else {
            throw ValidationError("Unknown --log-level '\(self.logLevel)'.")
        }
    }

    package var level: Logger.Level { Logger.Level(rawValue: self.logLevel) ?? .info }

    /// Sets up swift-log for this process at the chosen level (once; later calls do nothing).
    package func bootstrap() { LoggingBootstrap.bootstrap(level: self.level) }
}
