import FedgeFuzzing
import Foundation

// Built with `-sanitize=fuzzer` and `-D FUZZING` (Scripts/fuzz.sh) this is a libFuzzer target: the target named by
// FEDGE_FUZZ_TARGET runs on every input libFuzzer makes. Built plainly it replays files: `fedge-fuzz TARGET FILE…`
// runs each file through the target, which is how a crasher is checked once fixed; `fedge-fuzz seeds Fuzz/Corpus`
// writes the seeds made by code (a valid upload needs the SHA-256 of its own bytes).

#if FUZZING
nonisolated(unsafe) private var selected: FuzzTarget = .safetensors

/// libFuzzer's driver (from the `-sanitize=fuzzer` runtime). SwiftPM links an executable's entry point under its
/// own name, so libFuzzer's `main` is not used: this target's `main` starts the driver.
@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// The entry libFuzzer's runtime links against; the driver is started with the same function below.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    selected.run(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

@main
enum Fuzz {
    static func main() {
        let name = ProcessInfo.processInfo.environment["FEDGE_FUZZ_TARGET"] ?? "safetensors"
        guard let target = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(Data("FEDGE_FUZZ_TARGET '\(name)' is none of \(FuzzTarget.allCases)\n".utf8))
            exit(2)
        }
        selected = target
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(
            runFuzzerDriver(&argc, &argv) { data, size in fuzzOneInput(data, size) }
        )
    }
}
#else
@main
enum Replay {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        if arguments.first == "seeds", let directory = arguments.dropFirst().first {
            do {
                for (target, seeds) in try FuzzTarget.generatedSeeds() {
                    let folder = directory + "/" + target.rawValue
                    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                    for (name, bytes) in seeds {
                        try Data(bytes).write(to: URL(fileURLWithPath: folder + "/" + name))
                        print("\(folder)/\(name)")
                    }
                }
            } catch {
                print("fedge-fuzz seeds: \(error)")
                exit(1)
            }
            exit(0)
        }
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
            print("usage: fedge-fuzz \(FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")) FILE…")
            print("       fedge-fuzz seeds DIRECTORY     (writes the seeds the code makes, e.g. to Fuzz/Corpus)")
            exit(2)
        }
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                print("cannot read \(path)")
                exit(1)
            }
            // FEDGE_FUZZ_REPEAT=n runs each file n times (to watch a target's memory over many calls).
            let repeats = Int(ProcessInfo.processInfo.environment["FEDGE_FUZZ_REPEAT"] ?? "") ?? 1
            for _ in 0..<max(repeats, 1) { target.run([UInt8](data)) }
            print("\(name) \(path): no crash")
        }
    }
}
#endif
