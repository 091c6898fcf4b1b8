/// Finds the tokens that end generation by their text, as llama.cpp does when it loads a
/// vocabulary (`special_eog_ids`), since GGUF metadata names only some of them.
///
/// Tokens found this way become control tokens, so they decode to nothing unless special tokens
/// are rendered.
enum SpecialTokenDetection {
    /// End-of-turn tokens, looked for when `tokenizer.ggml.eot_token_id` is absent.
    static let endOfTurnTexts = [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>",
        "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>",
    ]
    /// End-of-message tokens, looked for when `tokenizer.ggml.eom_token_id` is absent.
    static let endOfMessageTexts = ["<|eom_id|>"]
    /// Fill-in-the-middle marker tokens that never end generation: only made control tokens.
    static let fillInMiddleMarkerTexts = [
        ["<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>"],
        ["<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>"],
        ["<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>"],
    ]
    /// Fill-in-the-middle pad, repository and file-separator tokens: these end generation.
    static let fillInMiddleStopTexts = [
        ["<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"],
        ["<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"],
        ["<|file_sep|>"],
    ]
    /// Every token with one of these texts ends generation.
    static let endOfGenerationTexts = [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
        "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
        "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
        "<｜end▁of▁sentence｜>", "[e~[",
    ]
    /// gpt-oss's structural tokens, which llama.cpp always renders (made user-defined).
    static let alwaysRenderedTexts = ["<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"]

    /// The end-of-generation token ids; marks the tokens found by text as control tokens.
    static func endOfGenerationTokenIDs(
        idsByText: [[UInt8]: Int],
        attributes: inout [TokenAttributes],
        endOfTurnTokenID: Int?,
        endOfMessageTokenID: Int?,
        eosTokenID: Int?
    ) -> Set<Int> {
        func id(_ text: String) -> Int? {
            idsByText[Array(text.utf8)]
        }
        func findControl(_ texts: [String]) -> Int? {
            guard let found = texts.lazy.compactMap(id).first else { return nil }
            attributes[found].insert(.control)
            return found
        }

        let endOfTurn = endOfTurnTokenID ?? findControl(endOfTurnTexts)
        let endOfMessage = endOfMessageTokenID ?? findControl(endOfMessageTexts)
        for texts in fillInMiddleMarkerTexts {
            _ = findControl(texts)
        }
        var result = Set(fillInMiddleStopTexts.compactMap(findControl))
        for text in endOfGenerationTexts {
            if let found = id(text) {
                result.insert(found)
                attributes[found].insert(.control)
            }
        }
        for text in alwaysRenderedTexts {
            if let found = id(text) {
                attributes[found] = .userDefined
            }
        }
        for found in [eosTokenID, endOfTurn, endOfMessage].compactMap({ $0 }) {
            result.insert(found)
        }
        return removingWorkarounds(result, idsByText: idsByText, attributes: &attributes)
    }

    /// llama.cpp's two exceptions to the text lists: gpt-oss and Solar Open use `<|end|>` between
    /// messages, and Gemma 4 uses `</s>` in text.
    private static func removingWorkarounds(_ ids: Set<Int>, idsByText: [[UInt8]: Int], attributes: inout [TokenAttributes]) -> Set<Int> {
        func member(_ text: String) -> Int? {
            idsByText[Array(text.utf8)].flatMap { ids.contains($0) ? $0 : nil }
        }
        var result = ids
        let hasCall = member("<|call|>") != nil || member("<|calls|>") != nil
        if let end = member("<|end|>"), hasCall, member("<|return|>") != nil || member("<|flush|>") != nil {
            result.remove(end)
            attributes[end] = .userDefined
        }
        if let endOfSequence = member("</s>"), member("<|tool_response>") != nil {
            result.remove(endOfSequence)
            attributes[endOfSequence] = .normal
        }
        return result
    }
}
