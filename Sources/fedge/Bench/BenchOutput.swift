import Foundation

/// What the benchmarks print besides their results: progress lines on stderr, and the machine they ran on.
enum BenchOutput {
    /// A progress line on stderr.
    static func note(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// `fedge bench NAME: CPU, cores, build` and, in a debug build, a warning: on stdout for the report, on stderr
    /// when stdout carries JSON.
    static func header(_ name: String, json: Bool) {
        let build = MachineInfo.isDebugBuild ? "debug" : "release"
        let header = "fedge bench \(name): \(MachineInfo.cpuModel()), \(MachineInfo.cores) cores, \(build) build"
        let warning = MachineInfo.isDebugBuild ? ["warning: " + MachineInfo.debugWarning] : []
        for line in [header] + warning {
            if json { Self.note(line) } else { print(line) }
        }
    }
}
