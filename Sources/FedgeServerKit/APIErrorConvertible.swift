import FedgeAPIModels
import Foundation
import Hummingbird
import Logging

/// A domain error that knows its API form; the middleware maps it at the edge, so domains need not know HTTP.
package protocol APIErrorConvertible: Error {
    var apiError: APIError { get }
}
