/// The permission each gRPC method needs, by its full name (`fedge.v1.Service/Method`). A method without a rule
/// is refused, and a test fails for it.
package enum RPCRules {
    package static let rules: [String: Permission] = [
        "fedge.v1.Controller/Attach": .combinerProtocol,
        "fedge.v1.Controller/UploadPartial": .combinerProtocol,
        "fedge.v1.Controller/AssignCombiner": .clientProtocol,
        "fedge.v1.Combiner/Connect": .clientProtocol,
        "fedge.v1.Combiner/UploadUpdate": .clientProtocol,
        // Both tiers serve models: combiners download from the controller, clients from their combiner.
        "fedge.v1.ModelTransfer/DownloadModel": .downloadModels,
    ]

    /// Whether `role` may call `method`.
    package static func allows(_ role: Role, method: String) throws(AccessError) -> Bool {
        guard let permission = Self.rules[method] else { throw .noRule(method) }
        return AccessPolicy.allows(role, permission)
    }
}
