import Foundation

/// Runs `body` with a fresh directory under the system temporary directory, removed afterwards.
package func withTemporaryDirectory<R>(_ body: (String) async throws -> R) async rethrows -> R {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("fedge-test-\(UUID().uuidString)").path
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}
