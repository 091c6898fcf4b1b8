import Foundation

extension AttackCase {
    static let badJSON = Expectation(status: 400)

    /// A well-framed POST of `body` to `path`, answered with `expect`.
    static func post(_ category: String, _ name: String, _ path: String,
                     _ body: @autoclosure @escaping @Sendable () -> String, expect: Expectation = badJSON) -> AttackCase {
        exchange(category, name, request(path: path, body: body()), expect: expect)
    }

    /// A well-framed POST of `body` to `/v1/completions`.
    static func post(_ category: String, _ name: String, _ body: @autoclosure @escaping @Sendable () -> String,
                     expect: Expectation = badJSON) -> AttackCase {
        exchange(category, name, request(path: "/v1/completions", body: body()), expect: expect)
    }

    static func request(path: String, body: String) -> String { request("POST", path, body: body) }

    static func promptList(_ count: Int, _ element: String) -> String {
        #"{"max_tokens": 1, "prompt": ["# + Array(repeating: element, count: count).joined(separator: ",") + "]}"
    }

    static func chat(messages count: Int) -> String {
        #"{"max_tokens": 1, "messages": ["# + Array(repeating: #"{"role": "user", "content": "hi"}"#, count: count)
            .joined(separator: ",") + "]}"
    }

    /// Bodies that are valid HTTP but bad requests: each a 400 in OpenAI's shape.
    static let json: [AttackCase] = [
        post("json", "body that is not JSON", "hello"),
        post("json", "truncated JSON", #"{"prompt": "Hi", "max_tok"#),
        post("json", "top-level array", #"[{"prompt": "Hi"}]"#),
        post("json", "top-level string", #""Hi""#),
        post("json", "empty body", ""),
        post("json", "100,000 nested arrays", #"{"prompt": "# + String(repeating: "[", count: 100_000)),
        post("json", "100,000 nested objects", String(repeating: #"{"a":"#, count: 100_000)),
        exchange("json", "invalid UTF-8 in a string",
                 Array(request(headers: ["Content-Length: 18"], body: "", contentLength: false).utf8)
                     + Array(#"{"prompt": "ab"#.utf8) + [0xFF, 0xFE] + Array(#""}"#.utf8),
                 expect: badJSON),
        post("json", "max_tokens as a string", #"{"prompt": "Hi", "max_tokens": "ten"}"#),
        post("json", "max_tokens negative", #"{"prompt": "Hi", "max_tokens": -5}"#),
        post("json", "max_tokens beyond Int64", #"{"prompt": "Hi", "max_tokens": 1e400}"#),
        post("json", "temperature negative", #"{"prompt": "Hi", "temperature": -1}"#),
        post("json", "n of a billion", #"{"prompt": "Hi", "n": 1000000000}"#),
        post("json", "logprobs of a million", #"{"prompt": "Hi", "logprobs": 1000000}"#),
        post("json", "prompt null", #"{"prompt": null}"#),
        post("json", "prompt missing", #"{"max_tokens": 2}"#),
        post("json", "prompt an empty list", #"{"prompt": []}"#),
        post("json", "prompt a list of mixed types", #"{"prompt": ["a", 1, {"x": 2}]}"#),
        post("json", "token id outside the vocabulary", #"{"prompt": [999999999], "max_tokens": 1}"#),
        post("json", "token id negative", #"{"prompt": [-1], "max_tokens": 1}"#),
        post("json", "unknown model", #"{"model": "gpt-5", "prompt": "Hi"}"#, expect: Expectation(status: nil)),
        post("json", "unsupported field named", #"{"prompt": "Hi", "suffix": "x"}"#),
        post("json", "chat messages not a list", "/v1/chat/completions", #"{"messages": "hi"}"#),
        post("json", "chat message without a role", "/v1/chat/completions", #"{"messages": [{"content": "hi"}]}"#),
        post("json", "chat content of an unknown part type", "/v1/chat/completions",
             #"{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]}"#),
        post("json", "tokenize with neither prompt nor messages", "/tokenize", #"{"x": 1}"#),
        post("json", "detokenize an id outside the vocabulary", "/detokenize", #"{"tokens": [99999999]}"#),
    ]

    /// Requests that would make the server do unbounded work: refused before the work starts.
    /// The server runs with `--max-prompts-per-request 8 --max-messages-per-chat 16`.
    static let resources: [AttackCase] = [
        post("resources", "10,000 prompts in one request", promptList(10_000, #""Hi""#),
             expect: Expectation(status: 400)),
        post("resources", "10,000 token-id prompts in one request", promptList(10_000, "[1, 2, 3]"),
             expect: Expectation(status: 400)),
        post("resources", "50,000 chat messages", "/v1/chat/completions", chat(messages: 50_000),
             expect: Expectation(status: 400)),
        post("resources", "a 4 MiB prompt, longer than any context", #"{"prompt": ""# + String(repeating: "a", count: 4 << 20) + #""}"#,
             expect: Expectation(status: 400)),
        post("resources", "a 4 MiB chat message", "/v1/chat/completions",
             #"{"messages": [{"role": "user", "content": ""# + String(repeating: "a", count: 4 << 20) + #""}]}"#,
             expect: Expectation(status: 400)),
        post("resources", "a 4 MiB prompt to /tokenize", "/tokenize", #"{"prompt": ""# + String(repeating: "a", count: 4 << 20) + #""}"#,
             expect: Expectation(status: 400)),
        post("resources", "max_tokens beyond the context", #"{"prompt": "Hi", "max_tokens": 100000000}"#,
             expect: Expectation(status: 400)),
        post("resources", "20 MiB of whitespace around a good body", String(repeating: " ", count: 20 << 20) + goodBody,
             expect: Expectation(status: 200, errorShape: false)),
    ]

    /// The API key (`--api-key attack-key`): every refusal a 401 in OpenAI's shape; the open
    /// endpoints stay open.
    static let auth: [AttackCase] = [
        exchange("auth", "no Authorization header", request(body: goodBody, auth: false), expect: Expectation(status: 401)),
        exchange("auth", "wrong key", request(headers: ["Authorization: Bearer wrong"], body: goodBody, auth: false),
                 expect: Expectation(status: 401)),
        exchange("auth", "Bearer with no key", request(headers: ["Authorization: Bearer "], body: goodBody, auth: false),
                 expect: Expectation(status: 401)),
        exchange("auth", "the key without Bearer", request(headers: ["Authorization: \(apiKey)"], body: goodBody, auth: false),
                 expect: Expectation(status: 401)),
        exchange("auth", "the key as Basic credentials", request(headers: ["Authorization: Basic \(apiKey)"], body: goodBody, auth: false),
                 expect: Expectation(status: 401)),
        exchange("auth", "the key with a suffix", request(headers: ["Authorization: Bearer \(apiKey)x"], body: goodBody, auth: false),
                 expect: Expectation(status: 401)),
        exchange("auth", "the key in the query string", request("POST", "/v1/completions?api_key=\(apiKey)", body: goodBody, auth: false),
                 expect: Expectation(status: 401)),
        exchange("auth", "two Authorization headers, the first wrong",
                 request(headers: ["Authorization: Bearer wrong", "Authorization: Bearer \(apiKey)"], body: goodBody, auth: false),
                 expect: Expectation(status: 401)),
        exchange("auth", "/tokenize without a key", request(path: "/tokenize", body: #"{"prompt": "Hi"}"#).replacingOccurrences(
                 of: "Authorization: Bearer \(apiKey)\r\n", with: ""), expect: Expectation(status: 401)),
        exchange("auth", "/health stays open", request("GET", "/health", auth: false),
                 expect: Expectation(status: 200, errorShape: false)),
        exchange("auth", "/metrics stays open", request("GET", "/metrics", auth: false),
                 expect: Expectation(status: 200, errorShape: false)),
        exchange("auth", "unknown path without a key", request("GET", "/admin", auth: false), expect: Expectation(status: nil)),
        exchange("auth", "unknown path with the key", request("GET", "/admin"), expect: Expectation(status: 404)),
        exchange("auth", "GET on a POST endpoint", request("GET", "/v1/completions"), expect: Expectation(status: nil)),
        exchange("auth", "path traversal", request("GET", "/../../etc/passwd"), expect: Expectation(status: nil)),
    ]
}
