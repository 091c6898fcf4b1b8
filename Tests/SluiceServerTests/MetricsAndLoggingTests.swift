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

    @Test("the metrics carry vLLM's exact names, labels and buckets, and the counters move after a request")
    func metrics() async throws {
        try await ServerFixture.withServer { client, _ in
            let before = try await client.get("/metrics")
            #expect(before.status == .ok)
            #expect(before.headers[.contentType]?.hasPrefix("text/plain") == true)
            let names = [
                "vllm:num_requests_running", "vllm:num_requests_waiting", "vllm:kv_cache_usage_perc",
                "vllm:prompt_tokens_total", "vllm:generation_tokens_total", "vllm:request_success_total",
                "vllm:num_preemptions_total", "vllm:prefix_cache_queries_total", "vllm:prefix_cache_hits_total",
                "vllm:time_to_first_token_seconds", "vllm:inter_token_latency_seconds",
                "vllm:e2e_request_latency_seconds", "vllm:request_queue_time_seconds",
            ]
            for name in names { #expect(before.text.contains("# TYPE \(name) "), "\(name)") }
            // The types vLLM gives them: routers read the gauges, dashboards rate() the counters.
            for gauge in ["vllm:num_requests_running", "vllm:num_requests_waiting", "vllm:kv_cache_usage_perc",
                          "vllm:cache_config_info"] {
                #expect(before.text.contains("# TYPE \(gauge) gauge"), "\(gauge)")
            }
            #expect(before.text.contains("# TYPE vllm:prefix_cache_hits_total counter"))
            #expect(before.text.contains("# TYPE vllm:time_to_first_token_seconds histogram"))
            #expect(!before.text.contains("sluice:"))
            // vLLM's first and last TTFT buckets.
            #expect(Self.value(of: #"vllm:time_to_first_token_seconds_bucket{model_name="\#(ServerFixture.modelName)",engine="0",le="0.001"}"#, in: before.text) == 0)
            #expect(Self.value(of: #"vllm:time_to_first_token_seconds_bucket{model_name="\#(ServerFixture.modelName)",engine="0",le="2560.0"}"#, in: before.text) == 0)
            // The cache configuration the Gateway API Inference Extension reads: block size and blocks.
            let info = try #require(before.text.split(separator: "\n").first { $0.hasPrefix("vllm:cache_config_info{") })
            #expect(info.contains(#"block_size="16""#))
            #expect(info.contains(#"engine="0""#))
            let blocks = try #require(info.firstMatch(of: #/num_gpu_blocks="(\d+)"/#).flatMap { Int($0.1) })
            #expect(blocks > 0)
            #expect(info.hasSuffix("} 1") || info.hasSuffix("} 1.0"))

            let label = #"{model_name="\#(ServerFixture.modelName)",engine="0"}"#
            let length = #"{model_name="\#(ServerFixture.modelName)",engine="0",finished_reason="length"}"#
            #expect(Self.value(of: "vllm:generation_tokens_total\(label)", in: before.text) == 0)
            let promptTokens = try await client.tokenize("Once upon a time").count
            _ = try await client.greedyText("Once upon a time", maxTokens: 5)
            let after = try await client.get("/metrics").text
            #expect(Self.value(of: "vllm:generation_tokens_total\(label)", in: after) == 5)
            #expect(Self.value(of: "vllm:prompt_tokens_total\(label)", in: after) == Double(promptTokens))
            #expect(Self.value(of: "vllm:request_success_total\(length)", in: after) == 1)
            #expect(Self.value(of: "vllm:time_to_first_token_seconds_count\(label)", in: after) == 1)
            #expect(Self.value(of: "vllm:inter_token_latency_seconds_count\(label)", in: after) == 4)
            #expect(Self.value(of: "vllm:e2e_request_latency_seconds_count\(label)", in: after) == 1)
            #expect(Self.value(of: "vllm:request_queue_time_seconds_count\(label)", in: after) == 1)
            #expect((Self.value(of: "vllm:prefix_cache_queries_total\(label)", in: after) ?? 0) >= Double(promptTokens))
            #expect(Self.value(of: "vllm:num_requests_running\(label)", in: after) == 0)
            // The same prompt again finds its full blocks in the prefix cache.
            let long = "Once upon a time, in a kingdom by the sea, there lived a wise old queen who"
            _ = try await client.greedyText(long, maxTokens: 1)
            _ = try await client.greedyText(long, maxTokens: 1)
            let cached = try await client.get("/metrics").text
            #expect((Self.value(of: "vllm:prefix_cache_hits_total\(label)", in: cached) ?? 0) >= 16)
            #expect(Self.value(of: "vllm:kv_cache_usage_perc\(label)", in: after) == 0)
            // Idle with cached prefixes is idle: routers read this gauge as load (vLLM counts
            // evictable blocks as free too).
            #expect(Self.value(of: "vllm:kv_cache_usage_perc\(label)", in: cached) == 0)
        }
    }

    @Test("with speculative decoding on, the spec_decode counters count drafts and accepted tokens")
    func specDecodeMetrics() async throws {
        try await ServerFixture.withServer(engineOptions: {
            $0.speculative = SpeculativeConfig(numSpeculativeTokens: 4, promptLookupMin: 1, promptLookupMax: 3)
        }) { client, _ in
            let label = #"{model_name="\#(ServerFixture.modelName)",engine="0"}"#
            let before = try await client.get("/metrics").text
            #expect(Self.value(of: "vllm:spec_decode_num_draft_tokens_total\(label)", in: before) == 0)
            // A prompt the answer copies from, so that drafts are proposed and some are kept.
            let prompt = "one two three four five six seven eight nine ten, one two three four five six seven eight nine ten, one two three"
            _ = try await client.greedyText(prompt, maxTokens: 24)
            let after = try await client.get("/metrics").text
            let drafts = try #require(Self.value(of: "vllm:spec_decode_num_drafts_total\(label)", in: after))
            let draftTokens = try #require(Self.value(of: "vllm:spec_decode_num_draft_tokens_total\(label)", in: after))
            let accepted = try #require(Self.value(of: "vllm:spec_decode_num_accepted_tokens_total\(label)", in: after))
            #expect(drafts > 0 && draftTokens >= drafts && accepted > 0 && accepted <= draftTokens)
            let first = #"{model_name="\#(ServerFixture.modelName)",engine="0",position="0"}"#
            let atFirst = try #require(Self.value(of: "vllm:spec_decode_num_accepted_tokens_per_pos_total\(first)", in: after))
            #expect(atFirst > 0 && atFirst <= accepted)
            // Generation tokens count every token once, accepted drafts included.
            #expect(Self.value(of: "vllm:generation_tokens_total\(label)", in: after) == 24)
        }
    }

    @Test("--metrics-prefix sluice puts every metric, Sluice's own included, under sluice:")
    func sluicePrefix() async throws {
        try await ServerFixture.withServer(configure: { $0.metricsPrefix = "sluice" }) { client, _ in
            let text = try await client.get("/metrics").text
            let samples = text.split(separator: "\n").filter { !$0.hasPrefix("#") }
            #expect(!samples.isEmpty)
            #expect(samples.allSatisfy { $0.hasPrefix("sluice:") })
            for name in ["sluice:num_requests_waiting", "sluice:kv_cache_usage_perc", "sluice:cache_config_info",
                         "sluice:step_time_seconds", "sluice:prefix_cache_queries_total"] {
                #expect(text.contains("# TYPE \(name) "), "\(name)")
            }
            _ = try await client.greedyText("Once upon a time", maxTokens: 3)
            let after = try await client.get("/metrics").text
            let label = #"{model_name="\#(ServerFixture.modelName)",engine="0"}"#
            #expect(Self.value(of: "sluice:generation_tokens_total\(label)", in: after) == 3)
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
