import Foundation

/// The one access matrix: which role holds which permission. REST routes, gRPC methods and the control socket
/// all decide through it; `fedge roles`, the README and `man/fedge.1` print it.
package enum AccessPolicy {
    /// The permissions of each role.
    package static let matrix: [Role: Set<Permission>] = [
        .observer: [.read],
        .operator: [.read, .controlSessions, .manageModels],
        .admin: [.read, .controlSessions, .manageModels, .manageTokens, .enroll, .managePackages],
        .combiner: [.combinerProtocol, .downloadModels],
        .client: [.clientProtocol, .downloadModels],
    ]

    /// Whether `role` holds `permission`.
    package static func allows(_ role: Role, _ permission: Permission) -> Bool {
        Self.matrix[role]?.contains(permission) ?? false
    }

    /// The matrix as a text table: one row per permission, one column per role.
    package static func table() -> String {
        let roles = Role.allCases
        let width = Permission.allCases.map(\.rawValue.count).max() ?? 0
        var lines = [
            "permission".padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                + roles.map { $0.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0) }.joined()
        ]
        for permission in Permission.allCases {
            lines.append(
                permission.rawValue.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                    + roles.map {
                        (Self.allows($0, permission) ? "yes" : "-").padding(toLength: 9, withPad: " ", startingAt: 0)
                    }
                    .joined() + "  " + permission.summary
            )
        }
        return lines.map { $0.trimmingTrailingSpaces() }.joined(separator: "\n")
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
