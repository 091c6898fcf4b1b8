import SluiceBench
import Testing

@Suite("Per-request timings from chunk arrival times")
struct RequestOutcomeTests {
    @Test("TTFT is the first text chunk, ITL the gaps between text chunks, E2E the end")
    func timingsFromChunks() {
        let outcome = RequestOutcome(promptTokens: 10, outputTokens: 4, contentTimes: [0.25, 0.30, 0.40, 0.45], end: 0.5)
        #expect(outcome.timeToFirstToken == 0.25)
        #expect(outcome.interTokenLatencies.count == 3)
        for (measured, expected) in zip(outcome.interTokenLatencies, [0.05, 0.10, 0.05]) {
            #expect(abs(measured - expected) < 1e-12)
        }
        #expect(outcome.latency == 0.5)
        #expect(outcome.succeeded)
    }

    @Test("TPOT is (E2E - TTFT) / (output tokens - 1), with tokens from usage even when chunks carry several")
    func timePerOutputToken() throws {
        // Two chunks carried 5 tokens: TPOT divides by the tokens, ITL counts the chunks.
        let outcome = RequestOutcome(promptTokens: 3, outputTokens: 5, contentTimes: [0.1, 0.3], end: 0.5)
        #expect(abs(try #require(outcome.timePerOutputToken) - 0.1) < 1e-12)
        #expect(outcome.interTokenLatencies.count == 1)
    }

    @Test("one output token has no TPOT; a response without text has its first token at its end")
    func degenerateOutputs() {
        #expect(RequestOutcome(promptTokens: 3, outputTokens: 1, contentTimes: [0.2], end: 0.3).timePerOutputToken == nil)
        let empty = RequestOutcome(promptTokens: 3, outputTokens: 0, contentTimes: [], end: 0.3)
        #expect(empty.timeToFirstToken == 0.3)
        #expect(empty.interTokenLatencies.isEmpty)
    }

    @Test("a failed request keeps its message and has no TPOT")
    func failure() {
        let failed = RequestOutcome(promptTokens: 3, failure: "HTTP 500: boom", latency: 0.1)
        #expect(!failed.succeeded)
        #expect(failed.error == "HTTP 500: boom")
        #expect(failed.timePerOutputToken == nil)
    }
}
