/// A JSON request body of the REST API. Its fields, as they are spelled on the wire, let the server refuse a
/// misspelled or unknown field (`"round": 3` for `rounds`) instead of quietly using the default, and `null` for a
/// field. A test holds each list to the body's schema in `openapi.yaml`.
package protocol APIRequestBody: Decodable {
    /// Every field the body may have, snake_case.
    static var fields: [String] { get }
}

extension ActivateModelRequest: APIRequestBody {
    package static let fields = ["model"]
}

extension CreateTokenRequest: APIRequestBody {
    package static let fields = ["role", "name", "ttl_seconds"]
}

extension EnrollRequest: APIRequestBody {
    package static let fields = ["name", "hosts", "ttl_seconds", "controller"]
}

extension SessionConfigDTO: APIRequestBody {
    package static let fields = [
        "aggregator", "aggregator_params", "rounds", "round_timeout", "buffer_size", "clients_required",
        "requested_clients", "validate", "model_id", "client_settings", "max_num_examples", "package_id",
    ]
}
