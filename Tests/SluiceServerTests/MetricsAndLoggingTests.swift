import Hummingbird
import HummingbirdTesting
import SluiceEngine
import Testing
@testable import SluiceServer

extension ServerModelTests {
@Suite("GET /metrics and the request log")
struct MetricsAndLoggingTests {
    /// The value of the sample line that starts with `series` (name and labels), or nil.
    static func value(of series: String, in text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    @Test("the metrics carry vLLM's names under sluice:, and the counters move after a request")
    func metrics() async throws {
        try await ServerFixture.withServer { client, _ in
            let before = try await client.get("/metrics")
            #expect(before.status == .ok)
            #expect(before.headers[.contentType]?.hasPrefix("text/plain") == true)
            let names = [
                "sluice:num_requests_running", "sluice:num_requests_waiting", "sluice:kv_cache_usage_perc",
                "sluice:prompt_tokens_total", "sluice:generation_tokens_total", "sluice:request_success_total",
                "sluice:num_preemptions_total", "sluice:prefix_cache_queries_total", "sluice:prefix_cache_hits_total",
                "sluice:time_to_first_token_seconds", "sluice:inter_token_latency_seconds",
                "sluice:e2e_request_latency_seconds", "sluice:request_queue_time_seconds",
            ]
            for name in names { #expect(before.text.contains("# TYPE \(name) "), "\(name)") }

            let label = #"{model_name="\#(ServerFixture.modelName)"}"#
            let length = #"{model_name="\#(ServerFixture.modelName)",finished_reason="length"}"#
            #expect(Self.value(of: "sluice:generation_tokens_total\(label)", in: before.text) == 0)
            let promptTokens = try await client.tokenize("Once upon a time").count
            _ = try await client.greedyText("Once upon a time", maxTokens: 5)
            let after = try await client.get("/metrics").text
            #expect(Self.value(of: "sluice:generation_tokens_total\(label)", in: after) == 5)
            #expect(Self.value(of: "sluice:prompt_tokens_total\(label)", in: after) == Double(promptTokens))
            #expect(Self.value(of: "sluice:request_success_total\(length)", in: after) == 1)
            #expect(Self.value(of: "sluice:time_to_first_token_seconds_count\(label)", in: after) == 1)
            #expect(Self.value(of: "sluice:inter_token_latency_seconds_count\(label)", in: after) == 4)
            #expect(Self.value(of: "sluice:e2e_request_latency_seconds_count\(label)", in: after) == 1)
            #expect(Self.value(of: "sluice:request_queue_time_seconds_count\(label)", in: after) == 1)
            #expect((Self.value(of: "sluice:prefix_cache_queries_total\(label)", in: after) ?? 0) >= Double(promptTokens))
            #expect(Self.value(of: "sluice:num_requests_running\(label)", in: after) == 0)
            // The same prompt again finds its full blocks in the prefix cache.
            let long = "Once upon a time, in a kingdom by the sea, there lived a wise old queen who"
            _ = try await client.greedyText(long, maxTokens: 1)
            _ = try await client.greedyText(long, maxTokens: 1)
            let cached = try await client.get("/metrics").text
            #expect((Self.value(of: "sluice:prefix_cache_hits_total\(label)", in: cached) ?? 0) >= 16)
            #expect(Self.value(of: "sluice:kv_cache_usage_perc\(label)", in: after) == 0)
        }
    }

    @Test("with speculative decoding on, the spec_decode counters count drafts and accepted tokens")
    func specDecodeMetrics() async throws {
        try await ServerFixture.withServer(engineOptions: {
            $0.speculative = SpeculativeConfig(numSpeculativeTokens: 4, promptLookupMin: 1, promptLookupMax: 3)
        }) { client, _ in
            let label = #"{model_name="\#(ServerFixture.modelName)"}"#
            let before = try await client.get("/metrics").text
            #expect(Self.value(of: "sluice:spec_decode_num_draft_tokens_total\(label)", in: before) == 0)
            // A prompt the answer copies from, so that drafts are proposed and some are kept.
            let prompt = "one two three four five six seven eight nine ten, one two three four five six seven eight nine ten, one two three"
            _ = try await client.greedyText(prompt, maxTokens: 24)
            let after = try await client.get("/metrics").text
            let drafts = try #require(Self.value(of: "sluice:spec_decode_num_drafts_total\(label)", in: after))
            let draftTokens = try #require(Self.value(of: "sluice:spec_decode_num_draft_tokens_total\(label)", in: after))
            let accepted = try #require(Self.value(of: "sluice:spec_decode_num_accepted_tokens_total\(label)", in: after))
            #expect(drafts > 0 && draftTokens >= drafts && accepted > 0 && accepted <= draftTokens)
            let first = #"{model_name="\#(ServerFixture.modelName)",position="0"}"#
            let atFirst = try #require(Self.value(of: "sluice:spec_decode_num_accepted_tokens_per_pos_total\(first)", in: after))
            #expect(atFirst > 0 && atFirst <= accepted)
            // Generation tokens count every token once, accepted drafts included.
            #expect(Self.value(of: "sluice:generation_tokens_total\(label)", in: after) == 24)
        }
    }

    @Test("each request logs one info line with its id, token counts, TTFT, duration and finish reason")
    func requestLog() async throws {
        let log = LogRecorder()
        try await ServerFixture.withServer(log: log) { client, _ in
            let json = try await client.post("/v1/completions", #"{"prompt": "Hi", "max_tokens": 3, "ignore_eos": true}"#).json
            let id = try #require(json["id"]?.string)
            let lines = log.lines.withLock { $0 }.filter { $0.contains(id) }
            #expect(lines.count == 1)
            let line = try #require(lines.first)
            #expect(line.hasPrefix("info: "))
            #expect(line.contains("3 output tokens"))
            #expect(line.contains("prompt tokens") && line.contains("TTFT") && line.contains("duration"))
            #expect(line.contains("finish reason length"))
        }
    }
}
}
