import Hummingbird

/// Lets a request through only with `Authorization: Bearer <key>`, like `vllm serve --api-key`,
/// or with `x-api-key: <key>`, as Anthropic's clients send it; `/health`, `/version` and
/// `/metrics` stay open so probes and scrapers need no key.
struct APIKeyMiddleware<Context: RequestContext>: RouterMiddleware {
    private let expected: [UInt8]
    private let expectedAnthropic: [UInt8]

    /// Paths served without a key.
    static var openPaths: Set<String> { ["/health", "/version", "/metrics"] }

    init(apiKey: String) {
        expected = Array("Bearer \(apiKey)".utf8)
        expectedAnthropic = Array(apiKey.utf8)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if Self.openPaths.contains(request.uri.path) { return try await next(request, context) }
        let presented = request.headers[.authorization].map { Array($0.utf8) } ?? []
        let presentedAnthropic = request.headers[Self.xAPIKey].map { Array($0.utf8) }
        let accepted = Self.constantTimeEquals(presented, expected)
            || presentedAnthropic.map { Self.constantTimeEquals($0, expectedAnthropic) } == true
        guard accepted else {
            throw APIError(
                status: .unauthorized,
                message: "Missing or wrong API key: send it as the header `Authorization: Bearer <key>` (or `x-api-key: <key>`).",
                type: "invalid_request_error", code: "invalid_api_key", headers: [.wwwAuthenticate: "Bearer"])
        }
        return try await next(request, context)
    }

    /// Anthropic's header for the key.
    static var xAPIKey: HTTPFields.Element.Name { HTTPFields.Element.Name("x-api-key")! }

    /// Whether two byte strings are equal, taking a time that depends only on their lengths, so
    /// that timing reveals nothing of how much of a guessed key was right.
    static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        var difference = UInt8(lhs.count == rhs.count ? 0 : 1)
        for index in 0..<rhs.count {
            difference |= (index < lhs.count ? lhs[index] : 0) ^ rhs[index]
        }
        return difference == 0
    }
}
