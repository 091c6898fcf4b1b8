import SluiceModel
import SluiceTokenizer

/// A GGUF file opened as a model plus its tokenizer and chat format.
struct LoadedModel {
    let model: LlamaModel
    let tokenizer: any Tokenizer
    let chatFormat: ChatFormat

    init(path: String) throws {
        let file = try GGUFFile(path: path)
        model = try LlamaModel(file: file)
        tokenizer = try makeTokenizer(vocabulary: TokenizerVocabulary(gguf: file))
        chatFormat = ChatFormat(template: file.string("tokenizer.chat_template"))
    }
}
