import FedgeFuzzing
import Foundation
import Testing

/// Every seed and every past crasher of the fuzz targets (Fuzz/Corpus, Fuzz/Regressions), replayed: each must be
/// read or refused without a crash. `Scripts/fuzz.sh` finds new ones.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    static let fuzz = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    /// Each target runs on a thread of its own, as under libFuzzer: the `combiner` target waits there for the calls
    /// it makes on Swift's concurrency pool, which a test's own task would take a thread of.
    @Test(arguments: FuzzTarget.allCases)
    func seedsAndPastCrashersReplayWithoutACrash(target: FuzzTarget) async throws {
        var inputs: [[UInt8]] = []
        for folder in ["Corpus", "Regressions"] {
            let directory = Self.fuzz.appendingPathComponent(folder).appendingPathComponent(target.rawValue)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            for name in names.sorted() where !name.hasPrefix(".") {
                inputs.append([UInt8](try Data(contentsOf: directory.appendingPathComponent(name))))
            }
        }
        #expect(!inputs.isEmpty, "no seed for \(target.rawValue) in Fuzz/Corpus")
        let replayed = inputs
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread {
                for input in replayed { target.run(input) }
                done.resume()
            }.start()
        }
    }

    /// The seeds the code makes are the ones in Fuzz/Corpus (`fedge-fuzz seeds Fuzz/Corpus` writes them again).
    @Test func generatedSeedsAreCommitted() throws {
        for (target, seeds) in try FuzzTarget.generatedSeeds() {
            for (name, bytes) in seeds {
                let path = Self.fuzz.appendingPathComponent("Corpus/\(target.rawValue)/\(name)")
                let committed = try? Data(contentsOf: path)
                #expect(committed.map([UInt8].init) == bytes, "\(path.path) differs: run fedge-fuzz seeds Fuzz/Corpus")
            }
        }
    }
}
