import FedgeCore
import GRDB

// Typed ids and statuses are stored as their raw text.
extension SessionID: DatabaseValueConvertible {}
extension TaskID: DatabaseValueConvertible {}
extension ClientID: DatabaseValueConvertible {}
extension CombinerID: DatabaseValueConvertible {}
extension SessionStatus: DatabaseValueConvertible {}
extension RoundStatus: DatabaseValueConvertible {}
extension ClientLiveness: DatabaseValueConvertible {}
extension CombinerStatus: DatabaseValueConvertible {}
