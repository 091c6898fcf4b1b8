import Hummingbird
import HummingbirdTesting
import Testing
@testable import SluiceServer

extension ServerModelTests {
@Suite("GET /v1/models, /health, /version, /server_info, /tokenizer_info; POST /tokenize, /detokenize")
struct InfoEndpointTests {
    @Test("/v1/models lists the served model with its context length")
    func models() async throws {
        try await ServerFixture.withServer { client, _ in
            let json = try await client.get("/v1/models").json
            #expect(json["object"] == .string("list"))
            let model = try #require(json["data"]?[0])
            #expect(model["id"] == .string(ServerFixture.modelName))
            #expect(model["object"] == .string("model"))
            #expect(model["owned_by"] == .string("sluice"))
            #expect(model["max_model_len"] == .number(1024))
        }
    }

    @Test("/health answers 200 and /version reports the configured version")
    func healthAndVersion() async throws {
        try await ServerFixture.withServer(configure: { $0.version = "9.9.9" }) { client, _ in
            let health = try await client.get("/health")
            #expect(health.status == .ok)
            let version = try await client.get("/version").json
            #expect(version == .object(["version": .string("9.9.9")]))
        }
    }

    @Test("/tokenize counts a prompt's tokens and a conversation's as the chat template renders it")
    func tokenize() async throws {
        try await ServerFixture.withServer { client, _ in
            let json = try await client.post("/tokenize", #"{"prompt": "Hello world"}"#).json
            let tokens = try #require(json["tokens"]?.array)
            #expect(!tokens.isEmpty)
            #expect(json["count"] == .number(Double(tokens.count)))
            #expect(json["max_model_len"] == .number(1024))
            let rendered = "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
            let expected = try await client.tokenize(rendered, addSpecialTokens: false)
            let chat = try await client.post("/tokenize", #"{"messages": [{"role": "user", "content": "Hi"}]}"#).json
            #expect(chat["tokens"]?.ints == expected)
            let open = try await client.post("/tokenize", #"{"messages": [{"role": "user", "content": "Hi"}], "add_generation_prompt": false}"#).json
            #expect((open["count"]?.int ?? 0) < expected.count)
        }
    }

    @Test("/server_info reports the engine's configuration in vLLM's vllm_config shape")
    func serverInfo() async throws {
        try await ServerFixture.withServer(configure: {
            $0.version = "1.2.3"
            $0.engineDescription = EngineDescription(modelPath: "/models/m.gguf", architecture: "llama", kvCacheDType: "f16",
                                                     threadCount: 1)
        }) { client, engine in
            let response = try await client.get("/server_info")
            #expect(response.status == .ok)
            let json = try response.json
            #expect(json["version"] == .string("1.2.3"))
            let config = try #require(json["vllm_config"])
            #expect(config["model_config"]?["model"] == .string("/models/m.gguf"))
            #expect(config["model_config"]?["served_model_name"] == .string(ServerFixture.modelName))
            #expect(config["model_config"]?["max_model_len"] == .number(1024))
            #expect(config["model_config"]?["architecture"] == .string("llama"))
            #expect(config["cache_config"]?["block_size"] == .number(16))
            #expect(config["cache_config"]?["num_gpu_blocks"] == .number(Double(engine.config.kvCapacity.numUsableBlocks)))
            #expect(config["cache_config"]?["cache_dtype"] == .string("f16"))
            #expect(config["cache_config"]?["enable_prefix_caching"] == .bool(true))
            #expect(config["scheduler_config"]?["max_num_seqs"] == .number(Double(engine.config.maxNumSeqs)))
            #expect(config["scheduler_config"]?["max_num_batched_tokens"] == .number(Double(engine.config.maxNumBatchedTokens)))
            #expect(config["scheduler_config"]?["policy"] == .string("fcfs"))
            #expect(config["speculative_config"] == .null)
            #expect(config["parallel_config"]?["thread_count"] == .number(1))
        }
    }

    @Test("malformed /tokenize and /detokenize bodies are 400s with a message, never a 500", arguments: [
        ("/tokenize", "not json"),
        ("/tokenize", "{}"),
        ("/tokenize", #"{"messages": "Hi"}"#),
        ("/tokenize", #"{"messages": [{"content": "Hi"}]}"#),
        ("/tokenize", #"{"prompt": 5}"#),
        ("/tokenize", #"{"prompt": "Hi", "add_special_tokens": "yes"}"#),
        ("/detokenize", "{}"),
        ("/detokenize", #"{"tokens": "12"}"#),
        ("/detokenize", #"{"tokens": [1.5]}"#),
    ])
    func malformedTokenize(path: String, body: String) async throws {
        try await ServerFixture.withServer { client, _ in
            let response = try await client.post(path, body)
            #expect(response.status == .badRequest, "\(body): \(response.text)")
            let message = try response.json["error"]?["message"]?.string ?? ""
            #expect(!message.isEmpty)
        }
    }

    @Test("/detokenize turns token ids back into the text, and refuses ids outside the vocabulary")
    func detokenize() async throws {
        try await ServerFixture.withServer { client, _ in
            let ids = try await client.tokenize("Hello world, <|im_end|>", addSpecialTokens: false)
            let json = try await client.post("/detokenize", #"{"tokens": \#(ids)}"#).json
            #expect(json["prompt"] == .string("Hello world, <|im_end|>"))
            let bad = try await client.post("/detokenize", #"{"tokens": [-1]}"#)
            #expect(bad.status == .badRequest)
            #expect(try bad.json["error"]?["param"] == .string("tokens"))
        }
    }

    @Test("/tokenizer_info gives the special tokens /tokenize reads as one token each, the context length, and the Jinja template when there is one")
    func tokenizerInfo() async throws {
        let renderer = try TemplateControlsTests.renderer()
        try await ServerFixture.withServer(renderer: renderer) { client, _ in
            let response = try await client.get("/tokenizer_info")
            #expect(response.status == .ok)
            let json = try response.json
            #expect(json["model_max_length"] == .number(1024))
            #expect(json["tokenizer_class"]?.string?.isEmpty == false)
            #expect(json["add_bos_token"]?.bool != nil)
            #expect(json["chat_template"] == .string(TemplateControlsTests.template))
            // lm-evaluation-harness's remote tokenizer takes EOS's id as /tokenize's first token of its text.
            let eos = try #require(json["eos_token"]?.string)
            let ids = try await client.tokenize(eos, addSpecialTokens: false)
            #expect(ids.count == 1)
            let back = try await client.post("/detokenize", #"{"tokens": \#(ids)}"#).json
            #expect(back["prompt"] == .string(eos))
            if let bos = json["bos_token"]?.string {
                #expect(try await client.tokenize(bos, addSpecialTokens: false).count == 1)
            }
        }
        // The hand-written ChatML fallback has no template to hand out.
        try await ServerFixture.withServer { client, _ in
            let json = try await client.get("/tokenizer_info").json
            #expect(json["chat_template"] == nil)
            #expect(json["eos_token"]?.string != nil)
        }
    }
}
}
