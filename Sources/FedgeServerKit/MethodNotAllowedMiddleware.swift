import FedgeAPIModels
package import Hummingbird

/// Answers a request whose path names a route but whose method does not with `405 Method Not Allowed` and the
/// route's methods in `Allow` (the router alone answers 404 for both). Add it after every route: Hummingbird
/// gives a middleware to the routes added before it only, and to the not-found responder always, which is the
/// one place it acts.
package struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    private let routes: [(path: [Substring], methods: [HTTPRequest.Method])]

    /// `routes` as `Router.routes` lists them, once every route is added.
    package init(routes: [Router<Context>.RouteDescription]) {
        var byPath: [String: [HTTPRequest.Method]] = [:]
        for route in routes { byPath[route.path.description, default: []].append(route.method) }
        self.routes = byPath.sorted { $0.key < $1.key }.map { path, methods in
            (path.split(separator: "/"), methods.sorted { $0.rawValue < $1.rawValue })
        }
    }

    package func handle(
        _ request: Request,
        context: Context,
        next: @concurrent (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && error.body == nil {
            let methods = self.methods(for: request.uri.path)
            guard !methods.isEmpty else { throw error }
            let allowed = methods.map(\.rawValue).joined(separator: ", ")
            throw APIError(
                .methodNotAllowed,
                "\(request.uri.path) does not take \(request.method); it takes \(allowed).",
                headers: [.allow: allowed]
            )
        }
    }

    /// The methods of the route whose path matches `path` (a `{name}` part matches any one part); where several
    /// match (`/models/active` and `/models/{id}`), the one with the most literal parts.
    func methods(for path: String) -> [HTTPRequest.Method] {
        let parts = path.split(separator: "/")
        var best: (literals: Int, methods: [HTTPRequest.Method]) = (-1, [])
        for route in self.routes where route.path.count == parts.count {
            var literals = 0
            let matches = zip(route.path, parts).allSatisfy { pattern, part in
                if pattern.first == "{" { return true }
                literals += 1
                return pattern == part
            }
            if matches && literals > best.literals { best = (literals, route.methods) }
        }
        return best.methods
    }
}
