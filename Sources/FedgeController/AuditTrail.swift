package import FedgeAPIModels
package import FedgeCore
package import FedgeSecurity
package import FedgeStore
import Foundation
package import Logging

/// The audit trail's writer: every state change is appended to the hash-chained event table, then published to
/// live subscribers and logged.
package actor AuditTrail {
    private let database: FedgeDatabase
    package nonisolated let feed: AuditFeed
    private let logger: Logger
    private let clock: any WallClock
    /// Refusals are stored once per caller, reason and window; the rest are counted and summarised.
    private var floods: [String: Flood] = [:]
    package nonisolated let floodWindow: Duration

    private struct Flood {
        var kind: String
        var actor: String
        var address: String?
        var subject: String?
        var reason: String
        var started: Date
        var suppressed: Int
    }

    package init(
        database: FedgeDatabase,
        feed: AuditFeed,
        clock: any WallClock = SystemWallClock(),
        floodWindow: Duration = .seconds(60),
        logger: Logger
    ) {
        self.database = database
        self.feed = feed
        self.clock = clock
        self.floodWindow = floodWindow
        self.logger = logger
    }

    /// Appends an audit event done by `identity` and publishes it.
    package func record(kind: String, by identity: Identity, subject: String?, message: String) async {
        await self.record(
            kind: kind,
            actor: identity.name,
            subject: subject,
            message: message,
            address: identity.address
        )
    }

    /// Records a refused request. The first refusal of a caller for a reason in each window is stored; the others
    /// in the window are counted, and stored as one summary when the window has passed (a flood of bad tokens is
    /// a few rows, not a million).
    package func refused(
        kind: String,
        actor: String,
        address: String?,
        subject: String?,
        reason: String,
        message: String
    )
        async
    {
        let now = self.clock.date
        let key = "\(kind)|\(actor)|\(Self.host(address) ?? "")|\(reason)"
        if var flood = self.floods[key], now.timeIntervalSince(flood.started) < self.floodWindow.inSeconds {
            flood.suppressed += 1
            self.floods[key] = flood
            return
        }
        if let flood = self.floods.removeValue(forKey: key) { await self.summarise(flood) }
        self.floods[key] = Flood(
            kind: kind,
            actor: actor,
            address: address,
            subject: subject,
            reason: reason,
            started: now,
            suppressed: 0
        )
        await self.record(
            kind: kind,
            actor: actor,
            subject: subject,
            message: message,
            outcome: AuditEventRecord.refused,
            address: address
        )
    }

    /// Stores the summaries of refusal windows that have passed.
    package func flushRefusals(all: Bool = false) async {
        let now = self.clock.date
        for (key, flood) in self.floods where all || now.timeIntervalSince(flood.started) >= self.floodWindow.inSeconds
        {
            self.floods[key] = nil
            await self.summarise(flood)
        }
    }

    private func summarise(_ flood: Flood) async {
        guard flood.suppressed > 0 else { return }
        await self.record(
            kind: flood.kind,
            actor: flood.actor,
            subject: flood.subject,
            message:
                "\(flood.suppressed) more refused requests (\(flood.reason)) from \(flood.actor) within \(Int(self.floodWindow.inSeconds)) s of the one recorded at \(API.formatDate(flood.started)); summarised, not stored one by one",
            outcome: AuditEventRecord.refused,
            address: flood.address
        )
    }

    private static func host(_ address: String?) -> String? {
        guard let address else { return nil }
        // ipv4:127.0.0.1:5000 or 127.0.0.1:5000 → the host: one caller's many connections are one flood.
        var parts = address.split(separator: ":")
        if parts.count > 1 { parts.removeLast() }
        return parts.joined(separator: ":")
    }

    /// Appends an audit event and publishes it. A failure to store it is logged, not thrown: the action it
    /// describes already happened.
    package func record(
        kind: String,
        actor: String,
        subject: String?,
        message: String,
        outcome: String = AuditEventRecord.succeeded,
        address: String? = nil
    ) async {
        do {
            let event = try await self.database.appendAuditEvent(
                kind: kind,
                actor: actor,
                subject: subject,
                message: message,
                outcome: outcome,
                address: address
            )
            self.feed.publish(EventDTO(event))
        } catch {
            self.logger.error("Audit event not stored", metadata: ["fedge.kind": "\(kind)", "fedge.error": "\(error)"])
        }
        self.logger.notice("\(message)", metadata: ["fedge.event": "\(kind)", "fedge.actor": "\(actor)"])
    }

    /// Publishes a progress notice (not stored: it changes every second).
    package nonisolated func notice(kind: String, subject: String?, message: String) {
        self.feed.publish(
            EventDTO(
                id: 0,
                kind: kind,
                actor: "controller",
                subject: subject,
                message: message,
                createdAt: Date(),
                hash: ""
            )
        )
    }
}

extension EventDTO {
    package init(_ record: AuditEventRecord) {
        self.init(
            id: record.id ?? 0,
            kind: record.kind,
            actor: record.actor,
            subject: record.subject,
            message: record.message,
            createdAt: record.createdAt,
            hash: record.hash,
            outcome: record.outcome,
            address: record.address
        )
    }
}
