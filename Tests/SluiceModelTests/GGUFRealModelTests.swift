import Foundation
import SluiceModel
import Testing

@Suite("GGUF reading of the default model")
struct GGUFRealModelTests {
    @Test("the default model's header, metadata and tensor infos read as llama.cpp wrote them")
    func defaultModel() throws {
        let file = try GGUFFile(path: TestModel.path)
        #expect(file.version == 3)
        #expect(file.tensors.count == 272)
        #expect(file.string("general.architecture") == "llama")
        #expect(file.int("llama.block_count") == 30)
        #expect(file.int("llama.embedding_length") == 576)
        #expect(file.stringArray("tokenizer.ggml.tokens")?.count == 49_152)
        #expect(file.stringArray("tokenizer.ggml.tokens")?.first == "<|endoftext|>")
        #expect(file.intArray("tokenizer.ggml.token_type")?.count == 49_152)
        #expect(file.stringArray("tokenizer.ggml.merges")?.count == 48_900)
        #expect(file.stringArray("tokenizer.ggml.merges")?.first == "Ġ t")
        #expect(file.int("llama.attention.head_count") == 9)
        #expect(file.float("llama.attention.layer_norm_rms_epsilon") == Double(Float(1e-5)))
        #expect(file.bool("tokenizer.ggml.add_bos_token") == false)

        let embedding = try #require(file.tensor(named: "token_embd.weight"))
        #expect(embedding.type == .q8_0)
        #expect(embedding.dimensions == [576, 49_152])
        #expect(embedding.byteCount == 576 * 49_152 / 32 * 34)
        let query = try #require(file.tensor(named: "blk.0.attn_q.weight"))
        #expect(query.type == .q4_1)
        #expect(query.dimensions == [576, 576])
        #expect(query.byteCount == 576 * 576 / 32 * 20)

        let lastByte = file.tensors.map { file.dataOffset + $0.offset + $0.byteCount }.max()
        #expect(try #require(lastByte) <= file.fileSize)
    }
}
