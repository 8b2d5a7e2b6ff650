/// The processes of one benchmark run by tier, for the memory report.
struct FleetTiers: Sendable {
    /// A client process and how many clients it runs.
    struct ClientProcess: Sendable {
        var pid: Int32
        var clients: Int
    }

    var controller: Int32
    var combiners: [Int32]
    var clients: [ClientProcess]

    /// Every process, the controller first.
    var all: [Int32] { [self.controller] + self.combiners + self.clients.map(\.pid) }
}
