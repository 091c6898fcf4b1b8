/// What besides token ids decides whether two requests may share cached KV blocks.
///
/// As vLLM's extra keys: identical tokens under a different LoRA adapter or a different tenant's
/// cache salt produce different KV (or must not be shared), so these go into every block hash.
public struct BlockHashExtraKeys: Hashable, Sendable {
    /// Integer keys, such as a LoRA adapter id.
    public var keys: [Int]
    /// A per-tenant secret that keeps tenants' prefix caches apart.
    public var cacheSalt: String?

    /// No extra keys: requests share blocks by tokens alone.
    public static let none = BlockHashExtraKeys()

    /// Makes a set of extra keys.
    public init(keys: [Int] = [], cacheSalt: String? = nil) {
        self.keys = keys
        self.cacheSalt = cacheSalt
    }
}
