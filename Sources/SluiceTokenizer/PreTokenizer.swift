/// How a byte-level BPE model splits text into words before merging, chosen by `tokenizer.ggml.pre`.
///
/// Each case is one of llama.cpp's sequences of pre-tokenizer regexes (see `llm_tokenizer_bpe`),
/// implemented as hand-written scanners over Unicode scalars. Every regex of a sequence splits
/// each fragment the previous one left: its matches and the text between them become fragments.
enum PreTokenizer: Sendable, Equatable {
    /// GPT-2's regex alone.
    case gpt2
    /// Every `\p{N}` scalar alone, then GPT-2's regex (SmolLM, StarCoder).
    case digitsThenGPT2
    /// The Llama 3 regex, numbers in runs of up to 3.
    case llama3
    /// The Llama 3 regex with single-scalar numbers (Qwen2).
    case qwen2
    /// llama.cpp's fallback: punctuation runs, GPT-2's regex, number runs, then ASCII digit triples.
    case standard

    /// A pre-tokenizer and the settings llama.cpp ties to its name.
    struct Configuration: Sendable, Equatable {
        var preTokenizer: PreTokenizer
        /// A word that is already a whole token is not merged (llama.cpp's `ignore_merges`).
        var ignoresMerges = false
        /// Whether a BOS token is added when the metadata does not say.
        var addsBOSByDefault = false
    }

    /// The configurations by `tokenizer.ggml.pre` name; the names llama.cpp maps to these regexes.
    private static let configurations: [String: Configuration] = {
        var table: [String: Configuration] = ["default": Configuration(preTokenizer: .standard)]
        for name in ["gpt-2", "phi-2", "mpt", "olmo", "jais", "exaone4", "trillion", "granite-docling"] {
            table[name] = Configuration(preTokenizer: .gpt2)
        }
        for name in ["smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva-7b"] {
            table[name] = Configuration(preTokenizer: .digitsThenGPT2)
        }
        for name in ["llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2"] {
            table[name] = Configuration(preTokenizer: .llama3, ignoresMerges: true, addsBOSByDefault: true)
        }
        for name in ["dbrx", "smaug-bpe"] {
            table[name] = Configuration(preTokenizer: .llama3)
        }
        for name in ["qwen2", "deepseek-r1-qwen", "megrez", "stablelm2"] {
            table[name] = Configuration(preTokenizer: .qwen2)
        }
        return table
    }()

    /// The `tokenizer.ggml.pre` names Sluice understands, sorted.
    static var supportedNames: [String] {
        configurations.keys.sorted()
    }

    /// The configuration for a `tokenizer.ggml.pre` name; a missing name means "default", as in llama.cpp.
    static func configuration(named name: String?) throws -> Configuration {
        guard let name, !name.isEmpty else {
            return configurations["default"]!
        }
        guard let configuration = configurations[name] else {
            throw TokenizerError.unsupportedPreTokenizer(name)
        }
        return configuration
    }

    /// The words of `scalars`, as ranges of scalar indices in order; together they cover every scalar.
    func split(_ scalars: [Unicode.Scalar]) -> [Range<Int>] {
        let text = ScalarText(scalars)
        let whole = [0..<scalars.count]
        switch self {
        case .gpt2:
            return Self.apply(whole) { Self.splitGPT2(text, $0, into: &$1) }
        case .digitsThenGPT2:
            let fragments = Self.splitAroundMatches(whole) { position, _ in
                text.classes[position] == .number ? position + 1 : nil
            }
            return Self.apply(fragments) { Self.splitGPT2(text, $0, into: &$1) }
        case .llama3:
            return Self.apply(whole) { Self.splitLlama3(text, $0, maxDigits: 3, into: &$1) }
        case .qwen2:
            return Self.apply(whole) { Self.splitLlama3(text, $0, maxDigits: 1, into: &$1) }
        case .standard:
            return splitStandard(text)
        }
    }

    /// llama.cpp's default sequence: `[\p{P}\$\+<=>\^~\|]+`, GPT-2's regex, `\p{N}+`, `[0-9][0-9][0-9]`.
    private func splitStandard(_ text: ScalarText) -> [Range<Int>] {
        func isPunctuationOrSymbol(_ position: Int) -> Bool {
            let scalar = text.scalars[position]
            return "$+<=>^~|".unicodeScalars.contains(scalar) || ScalarClass.isPunctuation(scalar)
        }
        func endOfRun(from position: Int, bounds: Range<Int>, where matches: (Int) -> Bool) -> Int? {
            guard matches(position) else { return nil }
            var end = position + 1
            while end < bounds.upperBound && matches(end) {
                end += 1
            }
            return end
        }
        func isASCIIDigit(_ position: Int) -> Bool {
            (0x30...0x39).contains(text.scalars[position].value)
        }

        var fragments = Self.splitAroundMatches([0..<text.scalars.count]) { position, bounds in
            endOfRun(from: position, bounds: bounds, where: isPunctuationOrSymbol)
        }
        fragments = Self.apply(fragments) { Self.splitGPT2(text, $0, into: &$1) }
        fragments = Self.splitAroundMatches(fragments) { position, bounds in
            endOfRun(from: position, bounds: bounds) { text.classes[$0] == .number }
        }
        return Self.splitAroundMatches(fragments) { position, bounds in
            position + 3 <= bounds.upperBound && (position..<position + 3).allSatisfy(isASCIIDigit) ? position + 3 : nil
        }
    }

    /// Runs a scanner over each fragment and concatenates the words it cuts.
    private static func apply(_ fragments: [Range<Int>], _ scanner: (Range<Int>, inout [Range<Int>]) -> Void) -> [Range<Int>] {
        var words: [Range<Int>] = []
        words.reserveCapacity(fragments.count)
        for fragment in fragments where !fragment.isEmpty {
            scanner(fragment, &words)
        }
        return words
    }

    /// Splits each fragment around the leftmost, non-overlapping matches of a regex, as
    /// llama.cpp's `std::regex` path does: the matches and the text between them become fragments.
    ///
    /// `match(position, fragment)` returns the end of a match starting at `position`, or nil.
    static func splitAroundMatches(_ fragments: [Range<Int>], match: (Int, Range<Int>) -> Int?) -> [Range<Int>] {
        var result: [Range<Int>] = []
        result.reserveCapacity(fragments.count)
        for fragment in fragments {
            var gapStart = fragment.lowerBound
            var position = fragment.lowerBound
            while position < fragment.upperBound {
                guard let end = match(position, fragment) else {
                    position += 1
                    continue
                }
                if position > gapStart {
                    result.append(gapStart..<position)
                }
                result.append(position..<end)
                position = end
                gapStart = end
            }
            if gapStart < fragment.upperBound {
                result.append(gapStart..<fragment.upperBound)
            }
        }
        return result
    }
}
