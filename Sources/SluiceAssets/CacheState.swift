/// What the cache holds of one catalog entry.
public enum CacheState: Sendable, Equatable {
    case cached(path: String)
    /// A fetch stopped part-way; the next one resumes after the parts already appended.
    case partial(partsAppended: Int, of: Int)
    case absent
}
