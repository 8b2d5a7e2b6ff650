package import Hummingbird

/// Registers routes on a router and remembers each method and path, so that tests can hold the API's routes
/// against its OpenAPI description.
package struct RouteTable<Context: RequestContext> {
    package struct Entry: Sendable, Hashable, CustomStringConvertible {
        package var method: String
        /// In OpenAPI form: `/api/v1/sessions/{id}`.
        package var path: String

        package var description: String { "\(self.method) \(self.path)" }
    }

    package let router: Router<Context>
    package private(set) var entries: [Entry] = []

    package init(router: Router<Context>) { self.router = router }

    /// Adds `handler` for `method` on `path` (Hummingbird form, `:id` for a parameter).
    package mutating func on<Output: ResponseGenerator>(
        _ method: HTTPRequest.Method,
        _ path: String,
        use handler: @escaping @Sendable (Request, Context) async throws -> Output
    ) {
        self.router.on(RouterPath(path), method: method, use: handler)
        let openAPIPath = path.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
        }.joined(separator: "/")
        self.entries.append(Entry(method: method.rawValue, path: openAPIPath))
    }
}
