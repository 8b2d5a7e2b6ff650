package import FedgeCore
package import FedgeProto
package import Foundation
import SwiftProtobuf

extension Date {
    /// Milliseconds since 1970, as the protocol carries times.
    package var unixMillis: Int64 { Int64((self.timeIntervalSince1970 * 1000).rounded()) }

    package init(unixMillis: Int64) { self.init(timeIntervalSince1970: Double(unixMillis) / 1000) }
}

extension TaskKind {
    package init?(_ proto: Fedge_V1_TaskKind) {
        switch proto {
        case .train: self = .train
        case .validate: self = .validate
        default: return nil
        }
    }

    package var proto: Fedge_V1_TaskKind { self == .train ? .train : .validate }
}

extension TaskState {
    package init?(_ proto: Fedge_V1_TaskState) {
        switch proto {
        case .accepted: self = .accepted
        case .running: self = .running
        case .succeeded: self = .succeeded
        case .failed: self = .failed
        case .cancelled: self = .cancelled
        default: return nil
        }
    }

    package var proto: Fedge_V1_TaskState {
        switch self {
        case .accepted: .accepted
        case .running: .running
        case .succeeded: .succeeded
        case .failed: .failed
        case .cancelled: .cancelled
        }
    }
}

extension ClientLiveness {
    package var proto: Fedge_V1_ClientLiveness {
        switch self {
        case .online: .online
        case .stale: .stale
        case .offline: .offline
        }
    }

    package init?(_ proto: Fedge_V1_ClientLiveness) {
        switch proto {
        case .online: self = .online
        case .stale: self = .stale
        case .offline: self = .offline
        default: return nil
        }
    }
}

extension Telemetry {
    package var proto: Fedge_V1_Telemetry {
        .with {
            $0.cpuPercent = self.cpuPercent
            $0.memoryUsedBytes = self.memoryUsedBytes
            $0.memoryTotalBytes = self.memoryTotalBytes
            $0.diskFreeBytes = self.diskFreeBytes
            $0.processRssBytes = self.processRssBytes
            $0.cores = UInt32(clamping: self.cores)
        }
    }

    package init(_ proto: Fedge_V1_Telemetry) {
        self.init()
        self.cpuPercent = proto.cpuPercent
        self.memoryUsedBytes = proto.memoryUsedBytes
        self.memoryTotalBytes = proto.memoryTotalBytes
        self.diskFreeBytes = proto.diskFreeBytes
        self.processRssBytes = proto.processRssBytes
        self.cores = Int(proto.cores)
    }
}

extension TrainingTask {
    /// The assignment a combiner sends for this task.
    package var proto: Fedge_V1_TaskAssignment {
        .with {
            $0.taskID = self.id.rawValue
            $0.sessionID = self.session.rawValue
            $0.round = UInt32(clamping: self.round)
            $0.kind = self.kind.proto
            $0.modelID = self.model.hex
            $0.modelSize = self.modelSize
            $0.clientSettingsJson = self.clientSettingsJSON
            $0.deadlineUnixMillis = self.deadline.unixMillis
            $0.packageID = self.package?.hex ?? ""
            $0.packageSize = self.packageSize
        }
    }

    /// Reads an assignment, refusing one that lacks a kind or a valid model id.
    package init(_ proto: Fedge_V1_TaskAssignment) throws(RefusalError) {
        guard let kind = TaskKind(proto.kind) else {
            throw RefusalError(.malformed, "task \(proto.taskID) has no kind")
        }
        guard let model = ModelID(hex: proto.modelID) else {
            throw RefusalError(.malformed, "task \(proto.taskID) names an invalid model id '\(proto.modelID)'")
        }
        self.init(
            id: TaskID(proto.taskID),
            session: SessionID(proto.sessionID),
            round: Int(proto.round),
            kind: kind,
            model: model,
            modelSize: proto.modelSize,
            clientSettingsJSON: proto.clientSettingsJson.isEmpty ? "{}" : proto.clientSettingsJson,
            deadline: Date(unixMillis: proto.deadlineUnixMillis)
        )
        if !proto.packageID.isEmpty {
            guard let package = ModelID(hex: proto.packageID) else {
                throw RefusalError(.malformed, "task \(proto.taskID) names an invalid package id '\(proto.packageID)'")
            }
            self.package = package
            self.packageSize = proto.packageSize
        }
    }
}

extension RoundPlan {
    package var proto: Fedge_V1_RoundPlan {
        .with {
            $0.sessionID = self.session.rawValue
            $0.round = UInt32(clamping: self.round)
            $0.kind = self.kind.proto
            $0.modelID = self.model.hex
            $0.modelSize = self.modelSize
            $0.quota = UInt32(clamping: self.quota)
            $0.deadlineUnixMillis = self.deadline.unixMillis
            $0.bufferSize = UInt32(clamping: self.bufferSize)
            $0.minUpdates = UInt32(clamping: self.minUpdates)
            $0.clientSettingsJson = self.clientSettingsJSON
            $0.aggregator = self.aggregator.rawValue
            $0.aggregatorParams = self.aggregatorParameters
            $0.maxNumExamples = self.maxNumExamples
            $0.packageID = self.package?.hex ?? ""
            $0.packageSize = self.packageSize
        }
    }

    /// Reads a plan, refusing one with an unknown aggregator, kind or model id.
    package init(_ proto: Fedge_V1_RoundPlan) throws(RefusalError) {
        guard let kind = TaskKind(proto.kind), let model = ModelID(hex: proto.modelID) else {
            throw RefusalError(
                .malformed,
                "round plan \(proto.sessionID)/\(proto.round) lacks a kind or a valid model id"
            )
        }
        guard let aggregator = AggregatorName(rawValue: proto.aggregator.isEmpty ? "fedavg" : proto.aggregator) else {
            throw RefusalError(
                .malformed,
                "round plan \(proto.sessionID)/\(proto.round) names unknown aggregator '\(proto.aggregator)'"
            )
        }
        self.init(
            session: SessionID(proto.sessionID),
            round: Int(proto.round),
            kind: kind,
            model: model,
            modelSize: proto.modelSize,
            quota: Int(proto.quota),
            deadline: Date(unixMillis: proto.deadlineUnixMillis),
            bufferSize: Int(proto.bufferSize),
            minUpdates: Int(proto.minUpdates),
            clientSettingsJSON: proto.clientSettingsJson.isEmpty ? "{}" : proto.clientSettingsJson,
            aggregator: aggregator,
            aggregatorParameters: proto.aggregatorParams
        )
        if proto.maxNumExamples > 0 { self.maxNumExamples = proto.maxNumExamples }
        if !proto.packageID.isEmpty {
            guard let package = ModelID(hex: proto.packageID) else {
                throw RefusalError(.malformed, "the plan names an invalid package id '\(proto.packageID)'")
            }
            self.package = package
            self.packageSize = proto.packageSize
        }
    }
}

extension UpdateAnnouncement {
    package init(_ proto: Fedge_V1_UpdateHeader) {
        self.init(
            taskID: TaskID(proto.taskID),
            session: SessionID(proto.sessionID),
            round: Int(proto.round),
            client: proto.client,
            numExamples: proto.numExamples,
            size: proto.size,
            metrics: proto.metrics
        )
        if proto.hasTimings {
            self.downloadSeconds = proto.timings.downloadSeconds
            self.trainSeconds = proto.timings.trainSeconds
        }
    }
}

extension TaskReport {
    /// Reads a status report; `nil` when it names no state.
    package init?(_ proto: Fedge_V1_TaskStatus) {
        guard let state = TaskState(proto.state) else { return nil }
        // The examples a validation used travel with its metrics, so that means can be weighted by them.
        var validation = proto.validation.metrics
        if proto.hasValidation && proto.validation.numExamples > 0 {
            validation["num_examples"] = proto.validation.numExamples
        }
        self.init(taskID: TaskID(proto.taskID), state: state, message: proto.message, validation: validation)
    }
}

extension ClientInstruction {
    package var proto: Fedge_V1_CombinerEvent {
        switch self {
        case .run(let task):
            .with { $0.task = task.proto }
        case .cancel(let taskID, let reason):
            .with {
                $0.cancel = .with {
                    $0.taskID = taskID.rawValue
                    $0.reason = reason
                }
            }
        }
    }
}
