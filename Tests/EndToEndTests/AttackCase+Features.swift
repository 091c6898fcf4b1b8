import Foundation

extension AttackCase {
    static let chatPath = "/v1/chat/completions"
    static let served = Expectation(status: 200, errorShape: false)

    static func chatBody(_ extra: String) -> String {
        #"{"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 2, "# + extra + "}"
    }

    static let weatherTool = #"{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}"#

    /// The features past plain completion (tools, structured output, log-probabilities, the Anthropic and
    /// Responses APIs, tokenization): hostile or malformed uses are each a 400 (or served cleanly where the
    /// request is valid), never a 500, a hang or a crash, while a normal request keeps being served.
    static let features: [AttackCase] = tools + structured + sampling + otherAPIs

    static let tools: [AttackCase] = [
        post("tools", "tools not a list", chatPath, chatBody(#""tools": {"type": "function"}"#)),
        post("tools", "a tool of an unknown type", chatPath, chatBody(#""tools": [{"type": "retrieval"}]"#)),
        post("tools", "a function without a name", chatPath, chatBody(#""tools": [{"type": "function", "function": {}}]"#)),
        post("tools", "parameters that are not a schema", chatPath,
             chatBody(#""tools": [{"type": "function", "function": {"name": "f", "parameters": 7}}]"#)),
        post("tools", "tool_choice naming a function not among the tools", chatPath,
             chatBody(#""tools": [\#(weatherTool)], "tool_choice": {"type": "function", "function": {"name": "rm_rf"}}"#)),
        post("tools", "tool_choice required without tools", chatPath, chatBody(#""tool_choice": "required""#)),
        post("tools", "tool_choice of an unknown kind", chatPath, chatBody(#""tools": [\#(weatherTool)], "tool_choice": "sometimes""#)),
        post("tools", "a tool schema with an unenforceable keyword, forced", chatPath,
             chatBody(#""tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "patternProperties": {"^a": {}}}}}], "tool_choice": "required""#)),
        post("tools", "the same schema offered with auto is served, unconstrained", chatPath,
             chatBody(#""tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "patternProperties": {"^a": {}}}}}]"#),
             expect: served),
        post("tools", "2,000 tools are served", chatPath, chatBody(#""tools": ["# + (0..<2000).map { #"{"type": "function", "function": {"name": "f\#($0)"}}"# }.joined(separator: ",") + "]"),
             expect: served),
        post("tools", "an assistant tool call whose arguments are not JSON is served (passed as text)", chatPath,
             #"{"max_tokens": 2, "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{not json"}}]}, {"role": "tool", "tool_call_id": "c1", "content": "ok"}]}"#,
             expect: served),
        post("tools", "a tool message without content is served", chatPath,
             #"{"max_tokens": 2, "messages": [{"role": "user", "content": "Hi"}, {"role": "tool", "tool_call_id": "c1"}]}"#,
             expect: served),
        post("tools", "tools auto, streamed, is served", chatPath, chatBody(#""stream": true, "tools": [\#(weatherTool)]"#),
             expect: served),
    ]

    static let structured: [AttackCase] = [
        post("structured", "response_format of an unknown type", chatPath, chatBody(#""response_format": {"type": "xml"}"#)),
        post("structured", "json_schema without a schema", chatPath, chatBody(#""response_format": {"type": "json_schema"}"#)),
        post("structured", "a schema that is not an object", chatPath,
             chatBody(#""response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": "object"}}"#)),
        post("structured", "a $ref to nowhere", chatPath,
             chatBody(##""response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {"$ref": "#/$defs/missing"}}}"##)),
        post("structured", "a recursive $ref", chatPath,
             chatBody(##""response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {"$defs": {"a": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}}}"##),
             expect: Expectation(status: nil)),
        post("structured", "a schema nested 10,000 deep", chatPath,
             chatBody(#""response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": "# + String(repeating: #"{"type": "array", "items": "#, count: 10_000) + "{}" + String(repeating: "}", count: 10_000) + "}}"),
             expect: Expectation(status: nil)),
        post("structured", "an enum of 100,000 values", chatPath,
             chatBody(#""response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {"enum": ["# + (0..<100_000).map { "\"v\($0)\"" }.joined(separator: ",") + "]}}}"),
             expect: Expectation(status: nil)),
        post("structured", "a regex that does not parse", chatPath, chatBody(#""structured_outputs": {"regex": "(a"}"#)),
        post("structured", "a regex with a huge repetition count", chatPath,
             chatBody(#""structured_outputs": {"regex": "a{1000000}"}"#), expect: Expectation(status: nil)),
        post("structured", "a catastrophic regex is served without blowing up", chatPath,
             chatBody(#""structured_outputs": {"regex": "(a+)+b"}"#), expect: served),
        post("structured", "a choice list that is empty", chatPath, chatBody(#""structured_outputs": {"choice": []}"#)),
        post("structured", "two structured-output kinds at once", chatPath,
             chatBody(#""structured_outputs": {"regex": "a", "choice": ["b"]}"#)),
        post("structured", "a GBNF grammar that uses an undefined rule", chatPath,
             chatBody(#""structured_outputs": {"grammar": "root ::= item+\nitems ::= \"a\""}"#)),
        post("structured", "a GBNF grammar with unbalanced parentheses", chatPath, chatBody(#""grammar": "root ::= (\"a\" | \"b\"""#)),
        post("structured", "a GBNF grammar of nested repetition counts is served (its size is their sum, not product)", chatPath,
             chatBody(#""grammar": "root ::= ((\"ab\"{10000}){10000}){10000}""#), expect: served),
        post("structured", "a GBNF grammar that expands past a million symbols", chatPath,
             chatBody(#""grammar": "root ::= "# + String(repeating: #"\"a\"{10000} "#, count: 101) + #"""#)),
        post("structured", "guided_json that is not JSON", chatPath, chatBody(#""guided_json": "{not json""#)),
        post("structured", "a schema with a minimum above its maximum", chatPath,
             chatBody(#""response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "integer", "minimum": 5, "maximum": 1}}}"#),
             expect: Expectation(status: nil)),
    ]

    static let sampling: [AttackCase] = [
        post("sampling", "logit_bias on a token outside the vocabulary", #"{"prompt": "Hi", "max_tokens": 1, "logit_bias": {"999999999": 5}}"#),
        post("sampling", "logit_bias with a key that is not a number", #"{"prompt": "Hi", "max_tokens": 1, "logit_bias": {"abc": 5}}"#),
        post("sampling", "logit_bias of infinity", #"{"prompt": "Hi", "max_tokens": 1, "logit_bias": {"5": 1e400}}"#),
        post("sampling", "top_p of zero", #"{"prompt": "Hi", "max_tokens": 1, "top_p": 0}"#),
        post("sampling", "top_k below -1", #"{"prompt": "Hi", "max_tokens": 1, "top_k": -7}"#),
        post("sampling", "min_tokens above max_tokens", #"{"prompt": "Hi", "max_tokens": 1, "min_tokens": 5}"#),
        post("sampling", "prompt_logprobs of a million", #"{"prompt": "Hi", "max_tokens": 1, "prompt_logprobs": 1000000}"#),
        post("sampling", "prompt_logprobs of a million on chat", chatPath, chatBody(#""prompt_logprobs": 1000000"#)),
        post("sampling", "prompt_logprobs on a streamed chat, refused as vLLM does", chatPath,
             chatBody(#""prompt_logprobs": 1, "stream": true"#)),
        post("sampling", "prompt_logprobs that is not a number", chatPath, chatBody(#""prompt_logprobs": "all""#)),
        post("sampling", "top_logprobs without logprobs on chat", chatPath, chatBody(#""top_logprobs": 5"#)),
        post("sampling", "10,000 stop strings are served", #"{"prompt": "Hi", "max_tokens": 1, "stop": ["# + (0..<10_000).map { "\"s\($0)\"" }.joined(separator: ",") + "]}",
             expect: served),
        post("sampling", "a stop token id outside the vocabulary", #"{"prompt": "Hi", "max_tokens": 1, "stop_token_ids": [999999999]}"#),
        post("sampling", "a seed that is not an integer", #"{"prompt": "Hi", "max_tokens": 1, "seed": 1.5}"#),
        post("sampling", "priority as a string", #"{"prompt": "Hi", "max_tokens": 1, "priority": "high"}"#),
        post("sampling", "n of 200 with best_of", #"{"prompt": "Hi", "max_tokens": 1, "n": 200, "best_of": 300}"#),
        post("sampling", "echo with logprobs and a huge prompt list", promptList(9, #""Hi""#), expect: Expectation(status: 400)),
    ]

    static let otherAPIs: [AttackCase] = [
        post("anthropic", "messages without max_tokens", "/v1/messages", #"{"messages": [{"role": "user", "content": "Hi"}]}"#),
        post("anthropic", "a content block of an unknown type", "/v1/messages",
             #"{"max_tokens": 2, "messages": [{"role": "user", "content": [{"type": "image", "source": {}}]}]}"#),
        post("anthropic", "a system prompt that is a number", "/v1/messages",
             #"{"max_tokens": 2, "system": 5, "messages": [{"role": "user", "content": "Hi"}]}"#),
        post("anthropic", "count_tokens without messages", "/v1/messages/count_tokens", #"{"model": "x"}"#),
        post("anthropic", "a server tool", "/v1/messages",
             #"{"max_tokens": 2, "messages": [{"role": "user", "content": "Hi"}], "tools": [{"type": "bash_20250124", "name": "bash"}]}"#),
        post("anthropic", "a tool_result for no tool_use", "/v1/messages",
             #"{"max_tokens": 2, "messages": [{"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1"}]}]}"#),
        post("anthropic", "a tool_use whose input is not an object", "/v1/messages",
             #"{"max_tokens": 2, "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "f", "input": [1]}]}]}"#),
        post("responses", "previous_response_id, with nothing stored", "/v1/responses",
             #"{"input": "Hi", "max_output_tokens": 2, "previous_response_id": "resp_123"}"#),
        post("responses", "input of an unknown item type", "/v1/responses", #"{"input": [{"type": "computer_call"}], "max_output_tokens": 2}"#),
        post("responses", "input as a number", "/v1/responses", #"{"input": 42}"#),
        post("responses", "a hosted tool", "/v1/responses", #"{"input": "Hi", "max_output_tokens": 2, "tools": [{"type": "web_search"}]}"#),
        post("responses", "chat's nested tool shape", "/v1/responses",
             #"{"input": "Hi", "max_output_tokens": 2, "tools": [\#(weatherTool)]}"#),
        post("responses", "a function_call without call_id", "/v1/responses",
             #"{"input": [{"type": "function_call", "name": "f", "arguments": "{}"}], "max_output_tokens": 2}"#),
        post("responses", "max_output_tokens negative", "/v1/responses", #"{"input": "Hi", "max_output_tokens": -1}"#),
        post("render", "render with no messages", "/v1/chat/completions/render", #"{"messages": []}"#),
        post("render", "completions render with a bad prompt", "/v1/completions/render", #"{"prompt": {"a": 1}}"#),
        post("tokenize", "tokenize messages of the wrong shape", "/tokenize", #"{"messages": [{"role": 5}]}"#),
        post("tokenize", "detokenize ids that are not numbers", "/detokenize", #"{"tokens": ["a", "b"]}"#),
        post("tokenize", "detokenize a negative id", "/detokenize", #"{"tokens": [-3]}"#),
    ]
}
