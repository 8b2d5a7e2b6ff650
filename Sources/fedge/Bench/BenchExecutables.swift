import Foundation

/// The programs `fedge bench round` starts: the executables beside the running `fedge`, from the same build.
struct BenchExecutables: Sendable {
    /// This `fedge` (`fedge bench load --console` runs its console).
    var fedge: String
    var controller: String
    var combiner: String
    var client: String

    /// Finds `fedge-controller`, `fedge-combiner` and `fedge-client` in the directory of this executable.
    ///
    /// - Throws: `BenchError.missingExecutable` naming the first one that is missing.
    static func locate() throws -> BenchExecutables {
        let fedge = Self.currentExecutable()
        let directory = URL(fileURLWithPath: fedge).deletingLastPathComponent().path
        func find(_ name: String) throws -> String {
            let path = directory + "/" + name
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw BenchError.missingExecutable(name: name, directory: directory)
            }
            return path
        }
        return BenchExecutables(
            fedge: fedge,
            controller: try find("fedge-controller"),
            combiner: try find("fedge-combiner"),
            client: try find("fedge-client")
        )
    }

    /// The path of the running executable: /proc/self/exe resolved, else what Foundation or argv[0] says.
    private static func currentExecutable() -> String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        if let path = Bundle.main.executablePath { return path }
        return URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
    }
}
