import Hummingbird
import Testing
import SluiceEngine
@testable import SluiceServer

@Suite("Request decoding: every prompt shape, field and unsupported feature")
struct RequestDecodingTests {
    func completion(_ json: String) throws(APIError) -> CompletionRequest {
        try CompletionRequest.decode(from: ByteBuffer(string: json))
    }

    func chat(_ json: String) throws(APIError) -> ChatCompletionRequest {
        try ChatCompletionRequest.decode(from: ByteBuffer(string: json))
    }

    func refusal(_ decode: () throws -> Void) -> APIError? {
        do { try decode() } catch let error as APIError { return error } catch { Issue.record("not an APIError: \(error)") }
        return nil
    }

    @Test("a prompt may be a string, strings, token ids or lists of token ids")
    func promptShapes() throws {
        #expect(try completion(#"{"prompt": "Hi"}"#).prompts == [.text("Hi")])
        #expect(try completion(#"{"prompt": ["a", "b"]}"#).prompts == [.text("a"), .text("b")])
        #expect(try completion(#"{"prompt": [1, 2, 3]}"#).prompts == [.tokenIDs([1, 2, 3])])
        #expect(try completion(#"{"prompt": [[1, 2], [3]]}"#).prompts == [.tokenIDs([1, 2]), .tokenIDs([3])])
    }

    @Test("a missing, empty, mixed or nested-string prompt is a 400 naming prompt")
    func badPrompts() {
        for json in [#"{}"#, #"{"prompt": []}"#, #"{"prompt": [1, "a"]}"#, #"{"prompt": [["a"]]}"#, #"{"prompt": 5}"#] {
            let error = refusal { _ = try completion(json) }
            #expect(error?.status == .badRequest, "\(json)")
            #expect(error?.param == "prompt", "\(json)")
        }
    }

    @Test("sampling fields decode with their OpenAI names, stop as a string or a list, logit_bias keys as ids")
    func samplingFields() throws {
        let request = try completion("""
            {"prompt": "x", "max_tokens": 7, "temperature": 0.5, "top_p": 0.9, "top_k": 40, "min_p": 0.1, "n": 3,
             "stop": "END", "stop_token_ids": [2], "presence_penalty": 0.5, "frequency_penalty": -0.5,
             "repetition_penalty": 1.2, "seed": -1, "logit_bias": {"42": -100}, "ignore_eos": true, "min_tokens": 2,
             "skip_special_tokens": false, "include_stop_str_in_output": true, "logprobs": 3, "add_special_tokens": false,
             "user": "someone", "stream": true, "stream_options": {"include_usage": true}, "unknown_field": [1]}
            """)
        #expect(request.maxTokens == 7)
        #expect(request.logprobs == 3 && !request.addSpecialTokens)
        #expect(request.stream && request.streamOptions?.includeUsage == true)
        let sampling = request.sampling
        #expect(sampling.stop == ["END"] && sampling.stopTokenIDs == [2])
        #expect(sampling.seed == UInt64.max)
        #expect(sampling.logitBias == [42: -100])
        let params = try sampling.samplingParams(maxTokens: 7, logprobs: 3)
        #expect(params.temperature == 0.5 && params.topP == 0.9 && params.topK == 40 && params.minP == 0.1)
        #expect(params.n == 3 && params.minTokens == 2 && params.ignoreEOS && !params.skipSpecialTokens)
        #expect(params.includeStopStringInOutput && params.repetitionPenalty == 1.2)
        #expect(params.presencePenalty == 0.5 && params.frequencyPenalty == -0.5 && params.logprobs == 3)
        #expect(try completion(#"{"prompt": "x", "stop": ["a", "b"]}"#).sampling.stop == ["a", "b"])
    }

    @Test("echo with logprobs is accepted (the prompt's log-probabilities come from the prefill)")
    func echoWithLogprobs() throws {
        let request = try completion(#"{"prompt": "x", "echo": true, "logprobs": 1}"#)
        #expect(request.echo && request.logprobs == 1)
    }

    @Test("a wrong type is a 400 that names the field and the type it must be")
    func wrongTypes() {
        let error = refusal { _ = try completion(#"{"prompt": "x", "temperature": "hot"}"#) }
        #expect(error?.status == .badRequest)
        #expect(error?.param == "temperature")
        #expect(error?.message == "temperature must be a number.")
        let nested = refusal { _ = try chat(#"{"messages": [{"role": "user", "content": 5}]}"#) }
        #expect(nested?.param == "messages[0].content")
        let bias = refusal { _ = try completion(#"{"prompt": "x", "logit_bias": {"abc": 1}}"#) }
        #expect(bias?.param == "logit_bias")
    }

    @Test("malformed JSON is a 400 that says so")
    func malformed() {
        let error = refusal { _ = try completion(#"{"prompt": "x""#) }
        #expect(error?.status == .badRequest)
        #expect(error?.message.hasPrefix("The request body is not valid JSON") == true)
    }

    @Test("out-of-range values pass decoding untouched: the engine checks them once, and its refusal is a 400 naming the field")
    func ranges() throws {
        let params = try completion(#"{"prompt": "x", "top_p": 2}"#).sampling.samplingParams(maxTokens: 16, logprobs: nil)
        #expect(params.topP == 2)
        let refusal = try #require(SamplingError.invalidIn(params))
        let error = APIError(engineError: SchedulerError.invalidSamplingParams("r", refusal), promptField: "prompt",
                             retryAfterSeconds: 1)
        #expect(error?.status == .badRequest)
        #expect(error?.param == "top_p")
        #expect(error?.message.contains("top_p must be in (0, 1]") == true)
        let logprobs = try completion(#"{"prompt": "x"}"#).sampling.samplingParams(maxTokens: 16, logprobs: 21)
        let logprobsRefusal = try #require(SamplingError.invalidIn(logprobs))
        #expect(APIError.sampling(logprobsRefusal).param == "logprobs")
    }

    @Test("best_of equal to n is accepted, and any other best_of is refused as unsupported")
    func bestOf() throws {
        _ = try completion(#"{"prompt": "x", "n": 2, "best_of": 2}"#).sampling.samplingParams(maxTokens: 4, logprobs: nil)
        let error = refusal {
            _ = try completion(#"{"prompt": "x", "best_of": 3}"#).sampling.samplingParams(maxTokens: 4, logprobs: nil)
        }
        #expect(error?.param == "best_of")
        #expect(error?.code == "unsupported_feature")
    }

    @Test("unsupported features are refused by name, and their harmless values accepted", arguments: [
        (#"{"prompt": "x", "suffix": "y"}"#, "suffix"),
        (#"{"prompt": "x", "truncate_prompt_tokens": 5}"#, "truncate_prompt_tokens"),
        (#"{"prompt": "x", "response_format": {"type": "structural_tag"}}"#, "response_format.type"),
        (#"{"prompt": "x", "use_beam_search": true}"#, "use_beam_search"),
    ])
    func unsupportedCompletions(json: String, field: String) {
        let error = refusal { _ = try completion(json) }
        #expect(error?.status == .badRequest)
        #expect(error?.code == "unsupported_feature")
        #expect(error?.param == field)
        #expect(error?.message.contains(field) == true)
    }

    @Test("harmless values of unsupported fields are accepted")
    func harmlessValues() throws {
        _ = try completion(#"{"prompt": "x", "suffix": null, "response_format": {"type": "text"}, "guided_json": null}"#)
        _ = try chat(#"{"messages": [{"role": "user", "content": "x"}], "tools": [], "tool_choice": "none"}"#)
    }

    @Test("chat refuses functions, tool messages and image or audio parts by name", arguments: [
        (#"{"messages": [{"role": "user", "content": "x"}], "tools": [{"type": "retrieval"}]}"#, "tools[0].type"),
        (#"{"messages": [{"role": "user", "content": "x"}], "functions": [{"name": "f"}]}"#, "functions"),
        (#"{"messages": [{"role": "function", "content": "x"}]}"#, "messages[0].role"),
        (#"{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "u"}}]}]}"#,
         "messages[0].content[0]"),
        (#"{"messages": [{"role": "user", "content": [{"type": "input_audio"}]}]}"#, "messages[0].content[0]"),
    ])
    func unsupportedChat(json: String, field: String) {
        let error = refusal { _ = try chat(json) }
        #expect(error?.code == "unsupported_feature")
        #expect(error?.param == field)
    }

    @Test("chat content may be a string or text parts, joined with newlines; null content is empty")
    func chatContent() throws {
        let request = try chat("""
            {"messages": [{"role": "system", "content": "S"},
                          {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}], "name": "ann"},
                          {"role": "assistant", "content": null}],
             "max_completion_tokens": 5, "max_tokens": 9, "logprobs": true, "top_logprobs": 2,
             "add_generation_prompt": false}
            """)
        #expect(request.messages == [
            ChatMessage(role: "system", content: "S"), ChatMessage(role: "user", content: "a\nb", name: "ann"),
            ChatMessage(role: "assistant", content: ""),
        ])
        #expect(request.maxTokens == 5)
        #expect(request.engineLogprobs == 2)
        #expect(!request.addGenerationPrompt)
        #expect(try chat(#"{"messages": [{"role": "user", "content": "x"}], "max_tokens": 9}"#).maxTokens == 9)
    }

    @Test("chat refuses top_logprobs without logprobs, top_logprobs over 20, and stream_options without stream")
    func chatConsistency() {
        let base = #""messages": [{"role": "user", "content": "x"}]"#
        #expect(refusal { _ = try chat("{\(base), \"top_logprobs\": 2}") }?.param == "top_logprobs")
        #expect(refusal { _ = try chat("{\(base), \"logprobs\": true, \"top_logprobs\": 21}") }?.param == "top_logprobs")
        #expect(refusal { _ = try chat("{\(base), \"stream_options\": {\"include_usage\": true}}") }?.param == "stream_options")
        #expect(refusal { _ = try chat(#"{"messages": []}"#) }?.param == "messages")
    }
}

extension SamplingError {
    /// The engine's refusal of `params`, or nil when they are in range.
    static func invalidIn(_ params: SamplingParams) -> SamplingError? {
        do { try params.validate() } catch { return error }
        return nil
    }
}
