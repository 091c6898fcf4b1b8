/// Prefix-cache counters for metrics, counted in tokens as vLLM's `PrefixCacheStats` does.
public struct PrefixCacheStats: Equatable, Sendable {
    /// How many requests looked up the cache.
    public var requests: Int
    /// How many prompt tokens were looked up.
    public var queries: Int
    /// How many of those tokens were found cached.
    public var hits: Int

    /// Counters with the given values, zero by default.
    public init(requests: Int = 0, queries: Int = 0, hits: Int = 0) {
        self.requests = requests
        self.queries = queries
        self.hits = hits
    }

    /// The fraction of looked-up tokens that hit, or 0 before any lookup.
    public var hitRate: Double {
        queries == 0 ? 0 : Double(hits) / Double(queries)
    }
}
