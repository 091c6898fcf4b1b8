import Foundation

/// The default model, SmolLM2-135M-Instruct Q4_1: the catalog's `smollm2-135m`, fetched on first use.
public enum DefaultModel {
    public static var entry: CatalogEntry { ModelCatalog.defaultModel }
    public static var fileName: String { entry.asset.fileName }

    /// Where the default model lives once fetched.
    public static var path: String { ModelCache.default.path(for: entry) }

    /// Returns the default model's path, fetching it first when it is not in the cache yet, with each
    /// progress line passed to `log`. Safe to call from several threads or processes at once.
    public static func ensure(log: (String) -> Void = { _ in }) throws -> String {
        try ModelCache.default.ensure(entry) { log($0.description) }
    }
}
