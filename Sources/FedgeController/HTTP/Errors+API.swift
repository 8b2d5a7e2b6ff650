import FedgeAPIModels
package import FedgeServerKit
import FedgeStore

extension SessionError: APIErrorConvertible {
    package var apiError: APIError {
        switch self {
        case .noSuchSession, .unknownModel, .unknownPackage: APIError(.notFound, self.description)
        case .noActiveModel, .wrongState, .finished: APIError(.conflict, self.description)
        case .unusableSeed: APIError(.badRequest, self.description)
        }
    }
}

extension ModelTrailError: APIErrorConvertible {
    package var apiError: APIError {
        switch self {
        case .unknownModel: APIError(.notFound, "The \(self); `fedge model list` shows the models.")
        case .unknownParent: APIError(.conflict, "The \(self).")
        }
    }
}
