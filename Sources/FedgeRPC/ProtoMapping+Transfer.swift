package import FedgeProto
import Foundation
import SwiftProtobuf

extension Fedge_V1_ModelChunk: ChunkMessage {
    package var transferPart: TransferPart<Fedge_V1_TransferHeader>? {
        switch self.part {
        case .header(let h): .header(h)
        case .data(let d): .data(d)
        case .trailer(let t): .trailer(sha256: t.sha256)
        case nil: nil
        }
    }

    package init(_ part: TransferPart<Fedge_V1_TransferHeader>) {
        self.init()
        switch part {
        case .header(let h): self.header = h
        case .data(let d): self.data = d
        case .trailer(let sha): self.trailer = .with { $0.sha256 = sha }
        }
    }
}

extension Fedge_V1_UpdateChunk: ChunkMessage {
    package var transferPart: TransferPart<Fedge_V1_UpdateHeader>? {
        switch self.part {
        case .header(let h): .header(h)
        case .data(let d): .data(d)
        case .trailer(let t): .trailer(sha256: t.sha256)
        case nil: nil
        }
    }

    package init(_ part: TransferPart<Fedge_V1_UpdateHeader>) {
        self.init()
        switch part {
        case .header(let h): self.header = h
        case .data(let d): self.data = d
        case .trailer(let sha): self.trailer = .with { $0.sha256 = sha }
        }
    }
}

extension Fedge_V1_PartialChunk: ChunkMessage {
    package var transferPart: TransferPart<Fedge_V1_PartialHeader>? {
        switch self.part {
        case .header(let h): .header(h)
        case .data(let d): .data(d)
        case .trailer(let t): .trailer(sha256: t.sha256)
        case nil: nil
        }
    }

    package init(_ part: TransferPart<Fedge_V1_PartialHeader>) {
        self.init()
        switch part {
        case .header(let h): self.header = h
        case .data(let d): self.data = d
        case .trailer(let sha): self.trailer = .with { $0.sha256 = sha }
        }
    }
}
