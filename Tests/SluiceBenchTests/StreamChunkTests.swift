import SluiceBench
import Testing

@Suite("Reading OpenAI stream chunks")
struct StreamChunkTests {
    @Test("completions text, chat deltas, role-only chunks and usage")
    func chunks() throws {
        #expect(try StreamChunk(payload: #"{"choices":[{"index":0,"text":"Hi","finish_reason":null}],"usage":null}"#)
            == .chunk(text: "Hi", completionTokens: nil))
        #expect(try StreamChunk(payload: #"{"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}"#)
            == .chunk(text: "", completionTokens: nil))
        #expect(try StreamChunk(payload: #"{"choices":[{"delta":{"content":" there"}}]}"#)
            == .chunk(text: " there", completionTokens: nil))
        let usage = #"{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":8,"total_tokens":11}}"#
        #expect(try StreamChunk(payload: usage)
            == .chunk(text: "", completionTokens: 8))
        #expect(try StreamChunk(payload: "[DONE]") == .done)
    }

    @Test("errors in OpenAI's, a bare string's and vLLM's shapes")
    func errors() throws {
        #expect(try StreamChunk(payload: #"{"error":{"message":"engine died","type":"InternalServerError"}}"#)
            == .error("engine died"))
        #expect(try StreamChunk(payload: #"{"error":"overloaded"}"#) == .error("overloaded"))
        #expect(try StreamChunk(payload: #"{"object":"error","message":"bad","code":400}"#) == .error("bad"))
    }

    @Test("a payload that is not JSON is a malformed stream")
    func malformed() {
        #expect(throws: BenchError.malformedStream("an event that is not JSON: nope")) {
            try StreamChunk(payload: "nope")
        }
    }
}
