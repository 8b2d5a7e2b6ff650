import FedgeAPIClient
import FedgeAPIModels
import FedgeEdge
import FedgeSecurity
import FedgeTestSupport
import Foundation
import Testing

/// Identities for tests that run the daemons as processes: `fedge-controller init`, then kits over the control
/// socket, as an operator gets them.
enum ProcessIdentities {
    /// Runs `fedge-controller init --home HOME` (the PKI and an admin token) and fails the test if it fails.
    static func initController(_ binary: String, home: String) async throws {
        let result = try await ExternalTools.run(binary, ["init", "--home", home])
        #expect(result.status == 0, "fedge-controller init failed: \(result.stderr)")
    }

    /// Enrolls nodes through the control socket, waiting for the controller to answer first.
    static func enroll(socket: String) -> @Sendable (Role, String) async throws -> Kit {
        { role, name in
            let deadline = Date().addingTimeInterval(30)
            while true {
                do {
                    let enrollment = try await APIClient.withClient(endpoint: .unixSocket(socket)) { api in
                        role == .combiner
                            ? try await api.enrollCombiner(EnrollRequest(name: name))
                            : try await api.enrollClient(EnrollRequest(name: name))
                    }
                    return try Kit.decode(Data(enrollment.kit.utf8))
                } catch  where Date() < deadline {
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
        }
    }

    /// Writes `kit` to `path` (0600), for a process's `--kit`.
    static func write(_ kit: Kit, to path: String) throws -> String {
        try kit.write(to: path, overwrite: true)
        return path
    }
}
