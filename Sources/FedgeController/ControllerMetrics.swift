import FedgeCore
package import FedgeSecurity
import Foundation
import NIOConcurrencyHelpers
package import Prometheus

/// The controller's Prometheus metrics, served at `/metrics`.
package final class ControllerMetrics: Sendable {
    package let registry = PrometheusCollectorRegistry()

    private let sessionsStarted: Counter
    private let roundsCommitted: Counter
    private let roundsFailed: Counter
    private let roundDuration: DurationHistogram
    private let updatesAccepted: Counter
    private let bytesReceived: Counter
    private let bytesSent: Counter
    /// One counter per refusal kind, made once: the reasons arrive from the wire, so they are mapped to this fixed
    /// set (and `other`) before they become label values.
    private let refusals: [Refusal: Counter]
    private let otherRefusals: Counter
    /// Gauges by combiner name and session status, made on first use and kept.
    private let gauges = NIOLockedValueBox<[String: Gauge]>([:])

    package init() {
        self.sessionsStarted = self.registry.makeCounter(
            descriptor: Self.named("fedge_sessions_started_total", help: "Sessions that began training.")
        )
        self.roundsCommitted = self.registry.makeCounter(
            descriptor: Self.named("fedge_rounds_total", help: "Rounds by outcome."),
            labels: [("outcome", "committed")]
        )
        self.roundsFailed = self.registry.makeCounter(
            descriptor: Self.named("fedge_rounds_total", help: "Rounds by outcome."),
            labels: [("outcome", "failed")]
        )
        self.roundDuration = self.registry.makeDurationHistogram(
            descriptor: Self.named("fedge_round_duration_seconds", help: "From plan to commit."),
            buckets: [
                .seconds(1), .seconds(5), .seconds(15), .seconds(30), .seconds(60), .seconds(180), .seconds(600),
                .seconds(1800),
            ]
        )
        self.updatesAccepted = self.registry.makeCounter(
            descriptor: Self.named("fedge_updates_accepted_total", help: "Client updates in committed partials.")
        )
        self.bytesReceived = self.registry.makeCounter(
            descriptor: Self.named(
                "fedge_bytes_received_total",
                help: "Bytes of partials and models uploaded to the controller."
            )
        )
        self.bytesSent = self.registry.makeCounter(
            descriptor: Self.named("fedge_bytes_sent_total", help: "Bytes of models the controller sent to combiners.")
        )
        let registry = self.registry
        func refusedCounter(_ reason: String) -> Counter {
            registry.makeCounter(
                descriptor: Self.named("fedge_updates_refused_total", help: "Client updates refused, by reason."),
                labels: [("reason", reason)]
            )
        }
        self.refusals = Dictionary(uniqueKeysWithValues: Refusal.allCases.map { ($0, refusedCounter($0.rawValue)) })
        self.otherRefusals = refusedCounter("other")
        self.accessRefusals = Dictionary(
            uniqueKeysWithValues: AccessError.Reason.allCases.map { reason in
                (
                    reason,
                    registry.makeCounter(
                        descriptor: Self.named(
                            "fedge_access_refused_total",
                            help: "Calls refused for their identity, by reason."
                        ),
                        labels: [("reason", reason.rawValue)]
                    )
                )
            }
        )
    }

    /// Counts a call refused for its identity.
    package func refused(reason: AccessError.Reason) { self.accessRefusals[reason]?.increment() }

    private let accessRefusals: [AccessError.Reason: Counter]

    package func sessionStarted() { self.sessionsStarted.increment() }

    package func roundEnded(committed: Bool, duration: Duration, updates: Int) {
        (committed ? self.roundsCommitted : self.roundsFailed).increment()
        self.roundDuration.record(duration)
        if committed { self.updatesAccepted.increment(by: Int64(updates)) }
    }

    /// Counts `count` refusals of `reason`, as a combiner reported it: a reason outside `Refusal` counts as `other`.
    package func refused(_ reason: String, count: Int) {
        guard count > 0 else { return }
        let counter = Refusal(rawValue: reason).flatMap { self.refusals[$0] } ?? self.otherRefusals
        counter.increment(by: Int64(count))
    }

    package func received(bytes: UInt64) { self.bytesReceived.increment(by: Int64(bytes)) }
    package func sent(bytes: UInt64) { self.bytesSent.increment(by: Int64(bytes)) }

    /// Sets the live gauges: clients online per combiner, sessions by status.
    package func setGauges(clientsOnline: [String: Int], sessions: [String: Int]) {
        for (combiner, count) in clientsOnline {
            self.gauge("fedge_clients_online", label: "combiner", combiner, help: "Clients online, per combiner.").set(
                to: Double(count)
            )
        }
        for (status, count) in sessions {
            self.gauge("fedge_sessions", label: "status", status, help: "Sessions, by status.").set(to: Double(count))
        }
    }

    private func gauge(_ name: String, label: String, _ value: String, help: String) -> Gauge {
        self.gauges.withLockedValue { gauges in
            let key = "\(name){\(value)}"
            if let gauge = gauges[key] { return gauge }
            let gauge = self.registry.makeGauge(descriptor: Self.named(name, help: help), labels: [(label, value)])
            gauges[key] = gauge
            return gauge
        }
    }

    /// The metrics in Prometheus text format.
    package func render() -> String {
        var buffer: [UInt8] = []
        self.registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    /// A metric's name as Prometheus shows it, with its help text.
    private static func named(_ name: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}
