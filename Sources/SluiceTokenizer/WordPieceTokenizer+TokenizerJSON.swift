import Foundation

extension WordPieceTokenizer {
    /// The tokenizer `tokenizer.json`'s bytes describe: a WordPiece model with BERT's normaliser and
    /// pre-tokenizer, a TemplateProcessing or BertProcessing post-processor, added tokens. Any other
    /// stage is refused by name.
    public init(tokenizerJSON data: Data) throws(TokenizerError) {
        let file = try TokenizerJSON.decode(data)
        guard case .wordPiece(let vocabulary, let unknownToken, let continuingPrefix, let maxCharacters) = file.model else {
            if case .unsupported(let type) = file.model { throw .unsupportedComponent(stage: "model", type: type) }
            throw .invalidTokenizerJSON("model")
        }
        var normalizer: BertNormalizer?
        switch file.normalizer {
        case .bert(let bert): normalizer = bert
        case .unsupported(let type): throw .unsupportedComponent(stage: "normalizer", type: type)
        case nil: normalizer = nil
        }
        switch file.preTokenizer {
        case .bert, nil: break
        case .unsupported(let type): throw .unsupportedComponent(stage: "pre_tokenizer", type: type)
        }
        switch file.decoder {
        case .wordPiece(let prefix) where prefix != continuingPrefix:
            throw .invalidTokenizerJSON("the decoder's prefix \"\(prefix)\" is not the model's \"\(continuingPrefix)\"")
        case .unsupported(let type): throw .unsupportedComponent(stage: "decoder", type: type)
        default: break
        }
        for token in file.addedTokens where token.singleWord || token.leftStrip || token.rightStrip {
            throw .unsupportedComponent(stage: "added token", type: "\"\(token.content)\" with single_word, lstrip or rstrip")
        }
        var prefix: [Int] = []
        var suffix: [Int] = []
        switch file.postProcessor {
        case .template(let single, let specialTokens):
            var seenSequence = false
            for item in single {
                switch item {
                case .sequence(let name):
                    guard name == "A", !seenSequence else {
                        throw .invalidTokenizerJSON("post_processor.single has sequence \(name); a single template holds A once")
                    }
                    seenSequence = true
                case .specialToken(let name):
                    guard let ids = specialTokens[name] else {
                        throw .invalidTokenizerJSON("post_processor.single names special token \(name), which special_tokens lacks")
                    }
                    if seenSequence { suffix += ids } else { prefix += ids }
                }
            }
        case .bert(let classifier, let separator):
            prefix = [classifier]
            suffix = [separator]
        case .unsupported(let type):
            throw .unsupportedComponent(stage: "post_processor", type: type)
        case nil:
            break
        }
        try self.init(
            vocabulary: vocabulary.map { Entry(text: $0.key, id: $0.value) }, unknownToken: unknownToken,
            continuingSubwordPrefix: continuingPrefix, maxInputCharactersPerWord: maxCharacters,
            normalizer: normalizer, splitsWords: file.preTokenizer != nil,
            added: file.addedTokens.map { Added(id: $0.id, text: $0.content, special: $0.special, normalized: $0.normalized) },
            prefixTokenIDs: prefix, suffixTokenIDs: suffix, bosTokenID: prefix.first, eosTokenID: suffix.last)
    }

    /// The tokenizer of the `tokenizer.json` at `path`.
    public init(tokenizerJSONAt path: String) throws(TokenizerError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .invalidTokenizerJSON("cannot read \(path)")
        }
        try self.init(tokenizerJSON: data)
    }
}
