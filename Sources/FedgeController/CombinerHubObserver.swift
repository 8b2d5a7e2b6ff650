import FedgeCore
import Foundation
import Logging

/// Told of combiner and client changes, to persist them and publish events.
package protocol CombinerHubObserver: Sendable {
    func combinerAttached(name: String, address: String) async
    func combinerDetached(name: String) async
    func clientsReported(combiner: String, clients: [CombinerClient]) async
}
