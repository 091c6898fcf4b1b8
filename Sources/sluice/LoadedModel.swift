import SluiceModel
import SluiceTokenizer

/// A GGUF file opened as a model plus its tokenizer.
struct LoadedModel {
    let file: GGUFFile
    let model: any DecoderModel
    let tokenizer: any Tokenizer

    init(path: String) throws {
        file = try GGUFFile(path: path)
        model = try ModelRegistry.load(file)
        tokenizer = try makeTokenizer(vocabulary: TokenizerVocabulary(gguf: file))
    }
}
