import FedgeEdge
import FedgeTestSupport
import Foundation
import Testing

/// A 3 GiB model through a whole round (download, train, upload, fold, commit) as separate release processes,
/// checking that the combiner's peak memory stays within 3 × model + 64 MiB. Slow (a release build and ~15 GB of
/// disk traffic): it runs only with FEDGE_SLOW_TESTS=1.
@Suite("Large models")
struct LargeModelTests {
    static let enabled = ProcessInfo.processInfo.environment["FEDGE_SLOW_TESTS"] == "1"

    @Test(
        .enabled(
            if: Self.enabled && ExternalTools.hasPythonSafetensors,
            "slow: set FEDGE_SLOW_TESTS=1 (needs python3 with numpy and safetensors)"
        )
    )
    func aThreeGiBModelStreamsThroughWithBoundedMemory() async throws {
        let result = try await ExternalTools.run(
            "/bin/bash",
            [ExternalTools.repositoryRoot + "/Scripts/bench-combiner.sh", "3072", "1"],
            timeout: 3600
        )
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let line = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let peak = line.firstMatch(of: /combiner peak RSS (\d+) MiB/).flatMap { Int($0.1) } ?? Int.max
        #expect(peak <= 3 * 3072 + 64, "\(line)")
    }
}
