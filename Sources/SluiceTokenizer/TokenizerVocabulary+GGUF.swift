import SluiceGGUF

extension TokenizerVocabulary {
    /// Reads the `tokenizer.ggml.*` metadata of a GGUF file.
    public init(gguf: GGUFFile) throws {
        guard let model = gguf.string("tokenizer.ggml.model") else {
            throw TokenizerError.missingMetadata("tokenizer.ggml.model")
        }
        guard let tokens = gguf.stringArray("tokenizer.ggml.tokens") else {
            throw TokenizerError.missingMetadata("tokenizer.ggml.tokens")
        }
        let merges = gguf.stringArray("tokenizer.ggml.merges")
        if model == "gpt2" && merges == nil {
            throw TokenizerError.missingMetadata("tokenizer.ggml.merges")
        }
        self.init(
            model: model,
            pre: gguf.string("tokenizer.ggml.pre"),
            tokens: tokens,
            tokenTypes: gguf.intArray("tokenizer.ggml.token_type") ?? [],
            scores: gguf.floatArray("tokenizer.ggml.scores") ?? [],
            merges: merges ?? [],
            bosTokenID: gguf.int("tokenizer.ggml.bos_token_id"),
            eosTokenID: gguf.int("tokenizer.ggml.eos_token_id"),
            unknownTokenID: gguf.int("tokenizer.ggml.unknown_token_id"),
            paddingTokenID: gguf.int("tokenizer.ggml.padding_token_id"),
            endOfTurnTokenID: gguf.int("tokenizer.ggml.eot_token_id"),
            endOfMessageTokenID: gguf.int("tokenizer.ggml.eom_token_id"),
            addBOS: gguf.bool("tokenizer.ggml.add_bos_token"),
            addEOS: gguf.bool("tokenizer.ggml.add_eos_token"),
            addSpacePrefix: gguf.bool("tokenizer.ggml.add_space_prefix"),
            separatorTokenID: gguf.int("tokenizer.ggml.seperator_token_id"),
            addSEP: gguf.bool("tokenizer.ggml.add_sep_token")
        )
    }
}
