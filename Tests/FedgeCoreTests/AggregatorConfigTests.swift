import FedgeCore
import Testing

@Suite("Aggregator configuration")
struct AggregatorConfigTests {
    @Test func defaultsFollowTheIssue() throws {
        #expect(try AggregatorConfig(name: "fedavg") == .fedavg)
        #expect(try AggregatorConfig(name: "fedavgm") == .fedavgm(.init(eta: 1.0, beta: 0.9)))
        #expect(
            try AggregatorConfig(name: "fedadam")
                == .fedopt(.fedadam, .init(eta: 0.1, beta1: 0.9, beta2: 0.99, tau: 1e-3))
        )
        #expect(
            try AggregatorConfig(name: "fedyogi")
                == .fedopt(.fedyogi, .init(eta: 0.1, beta1: 0.9, beta2: 0.99, tau: 1e-3))
        )
        #expect(
            try AggregatorConfig(name: "fedadagrad")
                == .fedopt(.fedadagrad, .init(eta: 0.1, beta1: 0, beta2: 0.99, tau: 1e-3))
        )
        #expect(try AggregatorConfig(name: "fedtrimmedavg") == .fedtrimmedavg(beta: 0.2))
        #expect(try AggregatorConfig(name: "krum") == .krum(f: 0))
        #expect(try AggregatorConfig(name: "multikrum") == .multikrum(f: 0, m: 2))
        #expect(try AggregatorConfig(name: "FedMedian") == .fedmedian)
    }

    @Test func parametersOverrideDefaultsAndRoundTrip() throws {
        let config = try AggregatorConfig(name: "fedyogi", parameters: ["eta": 0.01, "tau": 1e-9])
        #expect(config == .fedopt(.fedyogi, .init(eta: 0.01, beta1: 0.9, beta2: 0.99, tau: 1e-9)))
        #expect(try AggregatorConfig(name: config.name.rawValue, parameters: config.parameters) == config)
        #expect(try AggregatorConfig(name: "multikrum", parameters: ["f": 2, "m": 3]) == .multikrum(f: 2, m: 3))
    }

    @Test(arguments: [
        ("fedsgd", [String: Double](), "unknown aggregator 'fedsgd'"),
        ("fedavg", ["eta": 1], "aggregator fedavg has no parameter 'eta'; it takes no parameters"),
        ("fedadam", ["beta": 0.5], "aggregator fedadam has no parameter 'beta'; it takes: eta, beta1, beta2, tau"),
        ("fedadam", ["eta": 0], "parameter 'eta' of fedadam must be greater than 0, not 0.0"),
        ("fedavgm", ["beta": 1], "parameter 'beta' of fedavgm must be in [0, 1), not 1.0"),
        ("fedtrimmedavg", ["beta": 0.5], "parameter 'beta' of fedtrimmedavg must be in [0, 0.5), not 0.5"),
        ("krum", ["f": 1.5], "parameter 'f' of krum must be a whole number of at least 0, not 1.5"),
        ("multikrum", ["m": 0], "parameter 'm' of multikrum must be a whole number of at least 1, not 0.0"),
        ("fedyogi", ["tau": .nan], "parameter 'tau' of fedyogi must be greater than 0, not nan"),
    ])
    func badConfigsAreRefusedWithASentence(name: String, parameters: [String: Double], message: String) {
        do {
            _ = try AggregatorConfig(name: name, parameters: parameters)
            Issue.record("accepted \(name) \(parameters)")
        } catch {
            #expect("\(error)".hasPrefix(message), "\(error)")
        }
    }

    @Test func robustAndStatefulKinds() {
        #expect(AggregatorName.allCases.filter(\.isRobust) == [.fedmedian, .fedtrimmedavg, .krum, .multikrum])
        #expect(AggregatorName.allCases.filter(\.hasServerState) == [.fedavgm, .fedadam, .fedyogi, .fedadagrad])
    }
}
