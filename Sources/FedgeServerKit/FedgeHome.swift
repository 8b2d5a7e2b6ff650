package import Foundation

/// Where a daemon keeps its state: `$FEDGE_HOME`, by default `~/.local/share/fedge`.
package struct FedgeHome: Sendable, Hashable {
    package var root: URL

    package init(root: URL) { self.root = root }

    /// `$FEDGE_HOME` or `~/.local/share/fedge`.
    package static func fromEnvironment() -> FedgeHome {
        if let value = ProcessInfo.processInfo.environment["FEDGE_HOME"], !value.isEmpty {
            return FedgeHome(root: URL(fileURLWithPath: value))
        }
        return FedgeHome(
            root: FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/share/fedge")
        )
    }

    /// `run/`, where control sockets live (created 0700).
    package var runDirectory: URL { self.root.appendingPathComponent("run") }
    /// The controller's control socket.
    package var controllerSocket: String { self.runDirectory.appendingPathComponent("controller.sock").path }
    /// Combiner `name`'s control socket.
    package func combinerSocket(_ name: String) -> String {
        self.runDirectory.appendingPathComponent("combiner-\(name).sock").path
    }
    /// The controller's state directory.
    package var controllerDirectory: URL { self.root.appendingPathComponent("controller") }
}
