import Hummingbird
import HummingbirdTesting
import Testing
@testable import SluiceServer

extension ServerModelTests {
@Suite("POST /v1/completions: fields and their effect")
struct CompletionsHandlerTests {
    @Test("max_tokens gives finish_reason length, exact usage, and OpenAI's response shape")
    func maxTokens() async throws {
        try await ServerFixture.withServer { client, _ in
            let promptTokens = try await client.tokenize("The capital of France is").count
            let response = try await client.post("/v1/completions", """
                {"model": "\(ServerFixture.modelName)", "prompt": "The capital of France is", "max_tokens": 5,
                 "temperature": 0, "ignore_eos": true, "user": "tester"}
                """)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            let json = try response.json
            #expect(json["object"] == .string("text_completion"))
            #expect(json["id"]?.string?.hasPrefix("cmpl-") == true)
            #expect(json["model"] == .string(ServerFixture.modelName))
            #expect(json["created"]?.int ?? 0 > 1_700_000_000)
            let choice = try #require(json["choices"]?[0])
            #expect(choice["index"] == .number(0))
            #expect(choice["text"] == .string(" Paris.\n\nThe"))
            #expect(choice["finish_reason"] == .string("length"))
            #expect(choice["stop_reason"] == .null)
            #expect(choice["logprobs"] == .null)
            #expect(json["usage"]?["completion_tokens"] == .number(5))
            #expect(json["usage"]?["prompt_tokens"] == .number(Double(promptTokens)))
            #expect(json["usage"]?["total_tokens"] == .number(Double(promptTokens + 5)))
        }
    }

    @Test("echo with logprobs: the prompt's tokens lead the log-probabilities, and equal what generating them gave")
    func echoLogprobs() async throws {
        try await ServerFixture.withServer { client, _ in
            let prompt = try await client.tokenize("The capital of France is")
            // Greedy generation of 3 tokens with their log-probabilities.
            let generated = try await client.post("/v1/completions", """
                {"prompt": \(prompt), "max_tokens": 3, "temperature": 0, "ignore_eos": true, "logprobs": 1}
                """).json
            let generatedLogprobs = try #require(generated["choices"]?[0]?["logprobs"]?["token_logprobs"]?.doubles)
            let generatedIDs = try #require(generated["choices"]?[0]?["logprobs"]?["tokens"]?.strings)
            #expect(generatedLogprobs.count == 3)
            // The same tokens as a prompt, echoed with logprobs (as lm-evaluation-harness asks).
            let continued = try await client.post("/v1/completions", """
                {"prompt": \(prompt), "max_tokens": 3, "temperature": 0, "ignore_eos": true, "logprobs": 1,
                 "return_tokens_as_token_ids": true}
                """).json
            let ids = try #require(continued["choices"]?[0]?["logprobs"]?["tokens"]?.strings)
                .compactMap { Int($0.dropFirst("token_id:".count)) }
            let echoed = try await client.post("/v1/completions", """
                {"prompt": \(prompt + ids), "max_tokens": 1, "temperature": 0, "echo": true, "logprobs": 2}
                """)
            #expect(echoed.status == .ok)
            let choice = try #require(echoed.json["choices"]?[0])
            let logprobs = try #require(choice["logprobs"])
            let tokens = try #require(logprobs["tokens"]?.strings)
            let values = try #require(logprobs["token_logprobs"]?.array)
            let top = try #require(logprobs["top_logprobs"]?.array)
            let offsets = try #require(logprobs["text_offset"]?.ints)
            // Every prompt token, then the one generated.
            #expect(tokens.count == prompt.count + 3 + 1)
            #expect(values.count == tokens.count && top.count == tokens.count && offsets.count == tokens.count)
            #expect(values[0] == .null && top[0] == .null)
            #expect(values.dropFirst().allSatisfy { ($0.double ?? 1) <= 0 })
            // The echoed continuation tokens carry the log-probabilities their generation had.
            for index in 0..<3 {
                let echoedValue = try #require(values[prompt.count + index].double)
                #expect(abs(echoedValue - generatedLogprobs[index]) < 1e-3, "token \(index)")
                #expect(tokens[prompt.count + index] == generatedIDs[index])
            }
            // At least the prompt token itself and up to 2 alternatives per later position.
            #expect(top.dropFirst().allSatisfy { ($0.object?.count ?? 0) >= 1 && ($0.object?.count ?? 0) <= 3 })
            #expect(zip(offsets, offsets.dropFirst()).allSatisfy { $0 <= $1 })
            #expect(choice["text"]?.string?.hasPrefix("The capital of France is") == true)
        }
    }

    @Test("prompt_logprobs (vLLM's): null for the first token, then the token and its alternatives with rank, as echo reports them")
    func promptLogprobsField() async throws {
        try await ServerFixture.withServer { client, _ in
            let prompt = try await client.tokenize("The capital of France is Paris, and the capital of Spain is")
            let body = #"{"prompt": \#(prompt), "max_tokens": 2, "temperature": 0, "prompt_logprobs": 2}"#
            let json = try await client.post("/v1/completions", body).json
            let positions = try #require(json["choices"]?[0]?["prompt_logprobs"]?.array)
            #expect(positions.count == prompt.count)
            #expect(positions[0] == .null)
            // The same prompt echoed with logprobs: the same log-probabilities for the prompt tokens.
            let echoed = try await client.post("/v1/completions", """
                {"prompt": \(prompt), "max_tokens": 2, "temperature": 0, "echo": true, "logprobs": 0}
                """).json
            let echoedValues = try #require(echoed["choices"]?[0]?["logprobs"]?["token_logprobs"]?.array)
            for index in 1..<prompt.count {
                let entries = try #require(positions[index].object, "position \(index)")
                let own = try #require(entries[String(prompt[index])]?.object, "position \(index)")
                let rank = try #require(own["rank"]?.int)
                let logprob = try #require(own["logprob"]?.double)
                #expect(rank >= 1 && logprob <= 0)
                #expect(abs(logprob - (echoedValues[index].double ?? 1)) < 1e-4, "position \(index)")
                // The prompt token plus up to 2 alternatives, ranked 1 and 2.
                #expect(entries.count >= 1 && entries.count <= 3)
                let ranks = entries.values.compactMap { $0["rank"]?.int }
                #expect(ranks.contains(1) || rank > 2)
                #expect(entries.values.allSatisfy { $0["decoded_token"]?.string != nil })
            }
            // Streamed: the choice's first chunk carries them.
            let stream = try await client.post("/v1/completions", #"{"prompt": \#(prompt), "max_tokens": 2, "temperature": 0, "prompt_logprobs": 0, "stream": true}"#)
            let first = try #require(stream.text.components(separatedBy: "data: ").dropFirst().first)
            let chunk = try JSONBody.decode(JSONValue.self, from: ByteBuffer(string: first))
            #expect(chunk["choices"]?[0]?["prompt_logprobs"]?.array?.count == prompt.count)
            // Out of range: a 400 naming the field.
            let bad = try await client.post("/v1/completions", #"{"prompt": "x", "prompt_logprobs": 50}"#)
            #expect(bad.status == .badRequest)
            #expect(bad.text.contains("prompt_logprobs"))
        }
    }

    @Test("without max_tokens a completion stops at 16 tokens, OpenAI's default")
    func defaultMaxTokens() async throws {
        try await ServerFixture.withServer { client, _ in
            let json = try await client.post("/v1/completions", #"{"prompt": "Once upon a time", "temperature": 0, "ignore_eos": true}"#).json
            #expect(json["usage"]?["completion_tokens"] == .number(16))
        }
    }

    @Test("n = 2 gives choices 0 and 1, and usage counts both")
    func twoCompletions() async throws {
        try await ServerFixture.withServer { client, _ in
            let json = try await client.post("/v1/completions", #"{"prompt": "Once upon a time", "max_tokens": 4, "n": 2, "ignore_eos": true, "seed": 7}"#).json
            let choices = try #require(json["choices"]?.array)
            #expect(choices.compactMap { $0["index"]?.int } == [0, 1])
            #expect(json["usage"]?["completion_tokens"] == .number(8))
        }
    }

    @Test("n = 3 fans out in the engine: three choices whose completions hit the prompt's full blocks the first one cached")
    func parentRequestSharesPromptBlocks() async throws {
        try await ServerFixture.withServer { client, engine in
            let prompt = String(repeating: "The river runs to the sea and the sea runs to the sky. ", count: 6)
            let numPromptTokens = try await client.tokenize(prompt).count
            try #require(numPromptTokens > 48)
            let json = try await client.post("/v1/completions", """
                {"prompt": "\(prompt)", "max_tokens": 3, "n": 3, "ignore_eos": true, "seed": 5}
                """).json
            let choices = try #require(json["choices"]?.array)
            #expect(choices.compactMap { $0["index"]?.int } == [0, 1, 2])
            #expect(json["usage"]?["completion_tokens"] == .number(9))
            #expect(json["usage"]?["prompt_tokens"] == .number(Double(numPromptTokens)))
            let numSharedTokens = (numPromptTokens - 1) / 16 * 16
            #expect(engine.stats.prefixCacheHits == 2 * numSharedTokens)
        }
    }

    @Test("a list of prompts with n = 2 numbers choices prompt by prompt, and echo puts each prompt first")
    func listPromptsAndEcho() async throws {
        try await ServerFixture.withServer { client, _ in
            let promptTokens = try await client.tokenize("Once upon a time").count + client.tokenize("The sky is").count
            let json = try await client.post("/v1/completions", """
                {"prompt": ["Once upon a time", "The sky is"], "n": 2, "max_tokens": 3, "echo": true, "temperature": 0,
                 "ignore_eos": true}
                """).json
            let choices = try #require(json["choices"]?.array)
            #expect(choices.compactMap { $0["index"]?.int } == [0, 1, 2, 3])
            for index in 0..<2 { #expect(choices[index]["text"]?.string?.hasPrefix("Once upon a time") == true) }
            for index in 2..<4 { #expect(choices[index]["text"]?.string?.hasPrefix("The sky is") == true) }
            #expect(choices[0]["text"] == .string("Once upon a time, the city"))
            #expect(json["usage"]?["prompt_tokens"] == .number(Double(promptTokens)))
            #expect(json["usage"]?["completion_tokens"] == .number(12))
        }
    }

    @Test("token-id prompts, one list or a list of lists, generate as their text does")
    func tokenIDPrompts() async throws {
        try await ServerFixture.withServer { client, _ in
            let ids = try await client.tokenize("The capital of France is")
            let single = try await client.post("/v1/completions", #"{"prompt": \#(ids), "max_tokens": 5, "temperature": 0, "ignore_eos": true}"#).json
            #expect(single["choices"]?[0]?["text"] == .string(" Paris.\n\nThe"))
            let lists = try await client.post("/v1/completions", #"{"prompt": [\#(ids), \#(ids)], "max_tokens": 5, "temperature": 0, "ignore_eos": true}"#).json
            #expect(lists["choices"]?.array?.count == 2)
            #expect(lists["choices"]?[1]?["text"] == .string(" Paris.\n\nThe"))
        }
    }

    @Test("a stop string truncates the text before it and is reported as stop_reason; include_stop_str_in_output keeps it")
    func stopString() async throws {
        try await ServerFixture.withServer { client, _ in
            let base = #""prompt": "The capital of France is", "max_tokens": 8, "temperature": 0, "ignore_eos": true"#
            // The stop string is a word of the model's own greedy text, so the test does not hang on
            // which words this model happens to write after " Paris.".
            let free = try await client.post("/v1/completions", "{\(base)}").json
            let text = try #require(free["choices"]?[0]?["text"]?.string)
            let words = text.split(separator: " ").dropFirst().map(String.init)
            let word = try #require(words.last { $0.count >= 3 && $0.allSatisfy(\.isLetter) },
                                    "no word to stop at in \(text.debugDescription)")
            let before = String(text[..<text.range(of: word)!.lowerBound])
            let json = try await client.post("/v1/completions", "{\(base), \"stop\": \"\(word)\"}").json
            #expect(json["choices"]?[0]?["text"] == .string(before))
            #expect(json["choices"]?[0]?["finish_reason"] == .string("stop"))
            #expect(json["choices"]?[0]?["stop_reason"] == .string(word))
            let kept = try await client.post("/v1/completions", "{\(base), \"stop\": [\"nothing\", \"\(word)\"], \"include_stop_str_in_output\": true}").json
            #expect(kept["choices"]?[0]?["text"] == .string(before + word))
        }
    }

    @Test("a stop token id ends the completion with stop_reason set to the id")
    func stopTokenID() async throws {
        try await ServerFixture.withServer { client, _ in
            let comma = try #require(try await client.tokenize(",", addSpecialTokens: false).first)
            // Greedy, "1, 2, 3, 4" continues ", 5, 6, …": the comma comes first.
            let json = try await client.post("/v1/completions", #"{"prompt": "1, 2, 3, 4", "max_tokens": 8, "temperature": 0, "stop_token_ids": [\#(comma)]}"#).json
            #expect(json["choices"]?[0]?["finish_reason"] == .string("stop"))
            #expect(json["choices"]?[0]?["stop_reason"] == .number(Double(comma)))
            #expect(json["choices"]?[0]?["text"] == .string(""))
            #expect(json["usage"]?["completion_tokens"] == .number(1))
        }
    }

    @Test("the same seed reproduces a sampled completion, and other seeds differ")
    func seed() async throws {
        try await ServerFixture.withServer { client, _ in
            func sample(_ seed: Int) async throws -> String {
                let body = #"{"prompt": "Once upon a time", "max_tokens": 8, "temperature": 1, "seed": \#(seed), "ignore_eos": true}"#
                return try await client.post("/v1/completions", body).json["choices"]?[0]?["text"]?.string ?? ""
            }
            let first = try await sample(11)
            #expect(try await sample(11) == first)
            let others = [try await sample(12), try await sample(13), try await sample(14)]
            #expect(others.contains { $0 != first })
        }
    }

    @Test("logprobs gives tokens, token_logprobs <= 0, top_logprobs holding the sampled token, and text offsets")
    func logprobs() async throws {
        try await ServerFixture.withServer { client, _ in
            let json = try await client.post("/v1/completions", #"{"prompt": "1, 2, 3, 4", "max_tokens": 4, "temperature": 0, "logprobs": 2}"#).json
            let choice = try #require(json["choices"]?[0])
            let logprobs = try #require(choice["logprobs"])
            let tokens = try #require(logprobs["tokens"]?.strings)
            #expect(tokens == [",", " ", "5", ","])
            #expect(tokens.joined() == choice["text"]?.string)
            let values = try #require(logprobs["token_logprobs"]?.doubles)
            #expect(values.count == 4 && values.allSatisfy { $0 <= 0 })
            let top = try #require(logprobs["top_logprobs"]?.objects)
            #expect(top.count == 4)
            for (position, alternatives) in top.enumerated() {
                // Greedy picks the likeliest token, so it is one of the two and adds no entry.
                #expect(alternatives.count == 2)
                #expect(alternatives[tokens[position]]?.double == values[position])
                #expect(alternatives.values.allSatisfy { ($0.double ?? 1) <= 0 })
            }
            #expect(logprobs["text_offset"]?.ints == [0, 1, 2, 3])
        }
    }

    @Test("top_k 1, a tiny top_p and min_p 1 each leave only the greedy choice at temperature 1")
    func filters() async throws {
        try await ServerFixture.withServer { client, _ in
            let greedy = try await client.greedyText("Once upon a time", maxTokens: 6)
            for filter in [#""top_k": 1"#, #""top_p": 0.0001"#, #""min_p": 1"#] {
                let body = #"{"prompt": "Once upon a time", "max_tokens": 6, "temperature": 1, "ignore_eos": true, \#(filter)}"#
                let text = try await client.post("/v1/completions", body).json["choices"]?[0]?["text"]?.string
                #expect(text == greedy, "\(filter)")
            }
        }
    }

    @Test("repetition, presence and frequency penalties change a repetitive greedy continuation")
    func penalties() async throws {
        try await ServerFixture.withServer { client, _ in
            let plain = try await client.greedyText("1, 2, 3, 4")
            #expect(plain == ", 5, 6, ")
            #expect(try await client.greedyText("1, 2, 3, 4", extra: #", "repetition_penalty": 2"#) != plain)
            #expect(try await client.greedyText("1, 2, 3, 4", extra: #", "frequency_penalty": 2"#) != plain)
            #expect(try await client.greedyText("1, 2, 3, 4", extra: #", "presence_penalty": 2, "frequency_penalty": 2"#) != plain)
        }
    }

    @Test("logit_bias of +100 forces its token, and skip_special_tokens false shows control tokens")
    func logitBiasAndSpecialTokens() async throws {
        try await ServerFixture.withServer { client, _ in
            let hello = try #require(try await client.tokenize(" hello", addSpecialTokens: false).first)
            let forced = try await client.greedyText("1, 2, 3, 4", maxTokens: 3, extra: #", "logit_bias": {"\#(hello)": 100}"#)
            #expect(forced == " hello hello hello")
            let imStart = try #require(try await client.tokenize("<|im_start|>", addSpecialTokens: false).first)
            let hidden = try await client.greedyText("1, 2", maxTokens: 2, extra: #", "logit_bias": {"\#(imStart)": 100}"#)
            #expect(hidden == "")
            let shown = try await client.greedyText(
                "1, 2", maxTokens: 2, extra: #", "logit_bias": {"\#(imStart)": 100}, "skip_special_tokens": false"#)
            #expect(shown == "<|im_start|><|im_start|>")
        }
    }
}
}
