import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels
import FedgeCore
import FedgeDemo
import FedgeEdge
import FedgeTensor
import Foundation
import Logging
import ServiceLifecycle

/// A trainer that takes its time before handing over to another: rounds that last long enough to watch.
struct PausingTrainer: Trainer {
    let pause: Duration
    let inner: any Trainer

    var name: String { self.inner.name }

    func train(_ input: TrainerInput) async throws -> TrainingResult {
        if self.pause > .zero { try await Task.sleep(for: self.pause) }
        return try await self.inner.train(input)
    }

    func validate(_ input: TrainerInput) async throws -> ValidationResult { try await self.inner.validate(input) }
}
