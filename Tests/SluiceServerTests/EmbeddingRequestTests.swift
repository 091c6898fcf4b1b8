import Foundation
import Hummingbird
import Testing
@testable import SluiceServer

@Suite("Embeddings: request decoding, base64 and Matryoshka truncation")
struct EmbeddingRequestTests {
    func decode(_ json: String) throws(APIError) -> EmbeddingRequest {
        try JSONBody.decode(EmbeddingRequest.self, from: ByteBuffer(string: json))
    }

    func refusal(_ json: String) -> APIError? {
        do { _ = try decode(json) } catch { return error }
        return nil
    }

    @Test("input may be a string, strings, token ids or lists of token ids; defaults: float, special tokens on")
    func inputShapes() throws {
        #expect(try decode(#"{"input": "hi"}"#).input == .texts(["hi"]))
        #expect(try decode(#"{"input": ["a", "b"]}"#).input == .texts(["a", "b"]))
        #expect(try decode(#"{"input": [101, 102]}"#).input == .tokenIDs([[101, 102]]))
        #expect(try decode(#"{"input": [[101], [7592, 102]]}"#).input == .tokenIDs([[101], [7592, 102]]))
        let request = try decode(#"{"input": "hi", "model": "m", "user": "u"}"#)
        #expect(request.encodingFormat == .float && request.addSpecialTokens && request.dimensions == nil)
        let full = try decode(#"{"input": [1], "encoding_format": "base64", "dimensions": 64, "truncate_prompt_tokens": -1}"#)
        #expect(full.encodingFormat == .base64 && full.dimensions == 64 && full.truncatePromptTokens == -1)
    }

    @Test("a missing, empty or mixed input, an unknown encoding_format or a truncation of 0 is a 400 naming the field")
    func badRequests() {
        for json in [#"{}"#, #"{"input": []}"#, #"{"input": [1, "a"]}"#, #"{"input": [["a"]]}"#, #"{"input": 5}"#,
                     #"{"input": [1.5]}"#] {
            let error = refusal(json)
            #expect(error?.status == .badRequest, "\(json)")
            #expect(error?.param == "input", "\(json)")
        }
        #expect(refusal(#"{"input": [1], "encoding_format": "hex"}"#)?.param == "encoding_format")
        #expect(refusal(#"{"input": [1], "truncate_prompt_tokens": 0}"#)?.param == "truncate_prompt_tokens")
        #expect(refusal(#"{"input": [1], "dimensions": "big"}"#)?.status == .badRequest)
    }

    @Test("base64 is the little-endian float32 bytes of the vector")
    func base64() throws {
        let values: [Float] = [1, -2.5, 0.125, .leastNonzeroMagnitude]
        let data = try #require(Data(base64Encoded: EmbeddingsHandler.base64(values)))
        #expect(data.count == 16)
        let bytes = [UInt8](data)
        let decoded = (0..<4).map { (i: Int) -> Float in
            var bits: UInt32 = 0
            for byte in 0..<4 { bits |= UInt32(bytes[4 * i + byte]) << UInt32(8 * byte) }
            return Float(bitPattern: bits)
        }
        #expect(decoded == values)
    }

    @Test("dimensions keeps the leading values, scaled back to unit length")
    func matryoshka() {
        let truncated = EmbeddingsHandler.truncated([0.6, 0.0, 0.8, 0.0], to: 2)
        #expect(truncated == [1, 0])
        let head = EmbeddingsHandler.truncated([0.3, 0.4, 0.5, 0.1], to: 2)
        #expect(abs(head[0] - 0.6) < 1e-6 && abs(head[1] - 0.8) < 1e-6)
        #expect(EmbeddingsHandler.truncated([0, 0, 1], to: 2) == [0, 0])
    }

    @Test("the response has OpenAI's shape: list of embedding objects, model, usage with prompt and total tokens")
    func responseShape() throws {
        let response = EmbeddingResponse(data: [.init(index: 0, vector: .float([0.5])), .init(index: 1, vector: .base64("AAAA"))],
                                         model: "nomic", promptTokens: 7)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(JSONBody.encode(response).readableBytesView)) as? [String: Any])
        #expect(json["object"] as? String == "list")
        #expect(json["model"] as? String == "nomic")
        let usage = try #require(json["usage"] as? [String: Int])
        #expect(usage == ["prompt_tokens": 7, "total_tokens": 7])
        let data = try #require(json["data"] as? [[String: Any]])
        #expect(data.count == 2 && data[0]["object"] as? String == "embedding" && data[1]["index"] as? Int == 1)
        #expect(data[1]["embedding"] as? String == "AAAA")
    }
}
