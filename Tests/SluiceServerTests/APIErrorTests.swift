import Hummingbird
import SluiceEngine
import Testing
@testable import SluiceServer

@Suite("API errors: OpenAI's shape, and the status each engine error maps to")
struct APIErrorTests {
    @Test("the body is {error: {message, type, param, code}} with explicit nulls")
    func shape() throws {
        let body = try JSONValue(APIError.badRequest("nope").jsonBody())
        #expect(body["error"]?["message"] == .string("nope"))
        #expect(body["error"]?["type"] == .string("invalid_request_error"))
        #expect(body["error"]?["param"] == .null)
        #expect(body["error"]?["code"] == .null)
    }

    @Test("a prompt longer than the context is a 400 with vLLM's context-length message")
    func contextLength() throws {
        let error = try #require(APIError(
            engineError: SchedulerError.exceedsMaxModelLength("r", numPromptTokens: 1000, maxTokens: 100, maxModelLength: 1024),
            promptField: "prompt", retryAfterSeconds: 1))
        #expect(error.status == .badRequest)
        #expect(error.code == "context_length_exceeded")
        #expect(error.message.hasPrefix("This model's maximum context length is 1024 tokens. However, you requested 1100 tokens"))
    }

    @Test("a full queue is a 429 with Retry-After")
    func queueFull() throws {
        let error = try #require(APIError(engineError: EngineError.queueFull(limit: 4), promptField: "prompt", retryAfterSeconds: 3))
        #expect(error.status == .tooManyRequests)
        #expect(error.headers[.retryAfter] == "3")
        #expect(error.response().headers[.retryAfter] == "3")
    }

    @Test("refusals the client can fix are 400s; a shut-down engine is a 503")
    func otherEngineErrors() throws {
        let cases: [(any Error, HTTPResponse.Status)] = [
            (SchedulerError.emptyPrompt("r"), .badRequest),
            (SchedulerError.exceedsKVCache("r", numBlocksNeeded: 90, numUsableBlocks: 80), .badRequest),
            (SchedulerError.invalidSamplingParams("r", .invalid("top_k must be -1 (disable) or at least 1, got -2")), .badRequest),
            (EngineError.invalidPromptToken(99999, vocabularySize: 100), .badRequest),
            (EngineError.shutDown, .serviceUnavailable),
        ]
        for (engineError, status) in cases {
            let error = try #require(APIError(engineError: engineError, promptField: "prompt", retryAfterSeconds: 1))
            #expect(error.status == status, "\(engineError)")
        }
    }

    @Test("errors that are the server's fault map to nothing, so the caller answers 500 and logs them")
    func serverFaults() {
        #expect(APIError(engineError: EngineError.stalled(waiting: 1), promptField: "prompt", retryAfterSeconds: 1) == nil)
        #expect(APIError(engineError: SchedulerError.duplicateRequestID("r"), promptField: "prompt", retryAfterSeconds: 1) == nil)
        #expect(APIError.internalError.status == .internalServerError)
        #expect(!APIError.internalError.message.contains("Error("))
    }

    @Test("a sampling error names its field as param when its message starts with one")
    func samplingParam() {
        #expect(APIError.sampling(.invalid("min_tokens (3) must be <= max_tokens (2)")).param == "min_tokens")
        #expect(APIError.sampling(.invalid("stop strings must not be empty")).param == "stop")
        #expect(APIError.sampling(.invalid("Something else")).param == nil)
    }

    @Test("coding paths read as a reader writes them")
    func paths() {
        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int?
            init(stringValue: String) { self.stringValue = stringValue }
            init(intValue: Int) { self.stringValue = "\(intValue)"; self.intValue = intValue }
        }
        #expect(APIError.path([Key(stringValue: "messages"), Key(intValue: 2), Key(stringValue: "content")]) == "messages[2].content")
    }

    @Test("API keys compare equal only when every byte matches, whatever the lengths")
    func constantTime() {
        typealias Middleware = APIKeyMiddleware<BasicRequestContext>
        #expect(Middleware.constantTimeEquals(Array("Bearer k".utf8), Array("Bearer k".utf8)))
        #expect(!Middleware.constantTimeEquals(Array("Bearer j".utf8), Array("Bearer k".utf8)))
        #expect(!Middleware.constantTimeEquals(Array("Bearer".utf8), Array("Bearer k".utf8)))
        #expect(!Middleware.constantTimeEquals(Array("Bearer kk".utf8), Array("Bearer k".utf8)))
        #expect(!Middleware.constantTimeEquals([], Array("Bearer k".utf8)))
    }
}
