import FedgeCore
import FedgeRPC
import GRPCCore
import Testing

@Suite("Refusals and addresses")
struct RefusalMappingTests {
    @Test(arguments: Refusal.allCases)
    func everyRefusalSurvivesTheWire(refusal: Refusal) {
        let error = RefusalError(refusal, "because")
        let rpc = RPCError(error)
        #expect(rpc.message == "because")
        #expect(RefusalError(rpc) == error)
        #expect(rpc.code != .unknown && rpc.code != .internalError)
    }

    @Test func otherErrorsAreNotRefusals() {
        #expect(RefusalError(RPCError(code: .unavailable, message: "down")) == nil)
        #expect(RefusalError(CancellationError()) == nil)
    }

    @Test func endpointsParse() {
        #expect(Endpoint("localhost:7710") == Endpoint(host: "localhost", port: 7710))
        #expect(Endpoint(":7710") == Endpoint(host: "0.0.0.0", port: 7710))
        #expect(Endpoint("[::1]:9") == Endpoint(host: "::1", port: 9))
        #expect(Endpoint("host") == nil)
        #expect(Endpoint("host:99999") == nil)
        #expect(Endpoint("host:x") == nil)
    }
}
