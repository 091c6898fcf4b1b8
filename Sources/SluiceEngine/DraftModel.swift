import SluiceModel
import SluiceTokenizer

/// A draft model for speculative decoding (``SpeculativeConfig/Method/draftModel``): a smaller model
/// whose tokens are the target's tokens, so its argmax can be verified by the target as it stands.
///
/// Loaded by the caller (the command line resolves a path or a catalog name), handed to the engine in
/// ``EngineOptions/draftModel``, checked against the target by ``checkVocabulary(matches:tokenizer:)``
/// before anything is allocated.
public struct DraftModel: Sendable {
    /// The draft's architecture and weights; it runs on the target's backend.
    public let model: any DecoderModel
    /// The draft's own tokenizer, only to compare its vocabulary with the target's.
    public let tokenizer: any Tokenizer
    /// How the configuration named it, for messages.
    public let name: String

    public init(model: any DecoderModel, tokenizer: any Tokenizer, name: String) {
        self.model = model
        self.tokenizer = tokenizer
        self.name = name
    }

    /// Refuses a draft whose token ids mean something else to the target: a different number of
    /// logits or tokens, or any id whose bytes differ (as vLLM and llama.cpp refuse a draft whose
    /// vocabulary is not the target's). Qwen2.5-Coder-0.5B and -1.5B share theirs exactly; SmolLM2
    /// and Gemma 3 share nothing with Qwen.
    public func checkVocabulary(matches target: any DecoderModel, tokenizer targetTokenizer: any Tokenizer) throws(SchedulerError) {
        let draftLogits = model.configuration.vocabularySize
        let targetLogits = target.configuration.vocabularySize
        guard draftLogits == targetLogits, tokenizer.vocabularySize == targetTokenizer.vocabularySize else {
            throw .invalidConfig("the draft model \(name) has a vocabulary of \(tokenizer.vocabularySize) tokens "
                + "(\(draftLogits) logits); the target's has \(targetTokenizer.vocabularySize) (\(targetLogits) logits). "
                + "A draft model must share the target's tokenizer")
        }
        for id in 0..<tokenizer.vocabularySize
        where tokenizer.tokenBytes(id, skipSpecialTokens: false) != targetTokenizer.tokenBytes(id, skipSpecialTokens: false) {
            let draftText = String(decoding: tokenizer.tokenBytes(id, skipSpecialTokens: false), as: UTF8.self)
            let targetText = String(decoding: targetTokenizer.tokenBytes(id, skipSpecialTokens: false), as: UTF8.self)
            throw .invalidConfig("the draft model \(name) does not share the target's vocabulary: token \(id) is "
                + "\(draftText.debugDescription) in the draft and \(targetText.debugDescription) in the target. "
                + "A draft model must share the target's tokenizer")
        }
    }
}
