import Foundation

/// What the benchmarks say about the machine, and the build, they ran on.
enum MachineInfo {
    /// The warning every benchmark prints when it runs unoptimised.
    static let debugWarning = "debug build: figures are not meaningful; swift build -c release"

    /// Whether this `fedge` (and so the executables beside it) was built without optimisation.
    static var isDebugBuild: Bool {
        #if DEBUG
        return true
        #else
        return false
        #endif
    }

    /// The cores this process may run on.
    static var cores: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// The CPU's model name from /proc/cpuinfo, or `unknown CPU`.
    static func cpuModel() -> String {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown CPU" }
        for line in info.split(separator: "\n") where line.hasPrefix("model name") {
            return line.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) }
                ?? "unknown CPU"
        }
        return "unknown CPU"
    }
}
