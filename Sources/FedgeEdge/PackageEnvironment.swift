package import Foundation

/// The environment a compute package runs with: `PATH`, `HOME`, `LANG`, `TMPDIR` and the `FEDGE_*` variables of
/// the client's own, plus those an operator names (`--pass-env`); nothing else. A client's secrets — its token,
/// the path of its token file, cloud credentials in its environment — never reach a package or its logs.
package enum PackageEnvironment {
    /// Passed on whenever the client has them.
    package static let kept: Set<String> = ["PATH", "HOME", "LANG", "TMPDIR"]
    /// `FEDGE_*` variables that are secrets, never passed on unless named.
    package static let secrets: Set<String> = ["FEDGE_TOKEN", "FEDGE_TOKEN_FILE"]

    /// The clean environment out of `environment`, with the variables named in `passing` added.
    package static func clean(
        from environment: [String: String] = ProcessInfo.processInfo.environment,
        passing: [String] = []
    ) -> [String: String] {
        let named = Set(passing)
        return environment.filter { name, _ in
            named.contains(name) || Self.kept.contains(name)
                || (name.hasPrefix("FEDGE_") && !Self.secrets.contains(name))
        }
    }
}
