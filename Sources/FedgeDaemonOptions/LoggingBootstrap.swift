package import Logging
import NIOConcurrencyHelpers

/// Sets up swift-log once per process: human-readable lines on standard error at `level`.
package enum LoggingBootstrap {
    private static let done = NIOLockedValueBox(false)

    package static func bootstrap(level: Logger.Level) {
        let first = Self.done.withLockedValue { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
