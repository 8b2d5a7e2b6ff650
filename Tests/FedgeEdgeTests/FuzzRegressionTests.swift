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

    @Test(arguments: FuzzTarget.allCases)
    func seedsAndPastCrashersReplayWithoutACrash(target: FuzzTarget) throws {
        var replayed = 0
        for folder in ["Corpus", "Regressions"] {
            let directory = Self.fuzz.appendingPathComponent(folder).appendingPathComponent(target.rawValue)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            for name in names.sorted() where !name.hasPrefix(".") {
                let data = try Data(contentsOf: directory.appendingPathComponent(name))
                target.run([UInt8](data))
                replayed += 1
            }
        }
        #expect(replayed > 0, "no seed for \(target.rawValue) in Fuzz/Corpus")
    }
}
