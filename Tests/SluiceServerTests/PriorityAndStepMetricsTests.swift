import Hummingbird
import HummingbirdTesting
import SluiceEngine
import Testing
@testable import SluiceServer

@Suite("Request priority: decoding")
struct PriorityDecodingTests {
    @Test("priority decodes from completion and chat bodies, and is absent by default")
    func decodesPriority() throws {
        let completion = try CompletionRequest.decode(from: ByteBuffer(string: #"{"prompt": "x", "priority": -2}"#))
        #expect(completion.sampling.priority == -2)
        let chat = try ChatCompletionRequest.decode(
            from: ByteBuffer(string: #"{"messages": [{"role": "user", "content": "x"}], "priority": 7}"#))
        #expect(chat.sampling.priority == 7)
        #expect(try CompletionRequest.decode(from: ByteBuffer(string: #"{"prompt": "x"}"#)).sampling.priority == nil)
    }
}

extension ServerModelTests {
@Suite("Request priority and step metrics on the default model")
struct PriorityAndStepMetricsTests {
    @Test("under FCFS a nonzero priority is a 400 naming priority; 0 is served")
    func fcfsRefusesPriority() async throws {
        try await ServerFixture.withServer { client, _ in
            let refused = try await client.post("/v1/completions", #"{"prompt": "Hi", "max_tokens": 2, "priority": 1}"#)
            #expect(refused.status == .badRequest)
            #expect(try refused.json["error"]?["param"] == .string("priority"))
            #expect(try refused.json["error"]?["message"]?.string?.contains("--scheduling-policy") == true)
            let zero = try await client.post("/v1/completions", #"{"prompt": "Hi", "max_tokens": 2, "priority": 0}"#)
            #expect(zero.status == .ok, "\(zero.text)")
        }
    }

    @Test("under --scheduling-policy priority, requests with a priority are served from both endpoints")
    func priorityPolicyServes() async throws {
        try await ServerFixture.withServer(engineOptions: { $0.schedulingPolicy = .priority }) { client, _ in
            let completion = try await client.post("/v1/completions", #"{"prompt": "Hi", "max_tokens": 2, "priority": -5}"#)
            #expect(completion.status == .ok, "\(completion.text)")
            let chat = try await client.post(
                "/v1/chat/completions", #"{"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 2, "priority": 3}"#)
            #expect(chat.status == .ok, "\(chat.text)")
        }
    }

    @Test("/metrics has step time, tokens per step and predicted step time, which move after a request")
    func stepMetrics() async throws {
        try await ServerFixture.withServer { client, _ in
            let before = try await client.get("/metrics").text
            for name in ["vllm:iteration_tokens_total", "vllm:step_time_seconds", "vllm:step_predicted_time_seconds",
                         "vllm:last_step_time_seconds", "vllm:last_step_predicted_time_seconds",
                         "vllm:step_cost_correction"] {
                #expect(before.contains("# TYPE \(name) "), "\(name)")
            }
            _ = try await client.greedyText("Once upon a time", maxTokens: 4)
            let after = try await client.get("/metrics").text
            let label = #"{model_name="\#(ServerFixture.modelName)",engine="0"}"#
            func value(_ series: String) -> Double? { MetricsAndLoggingTests.value(of: series + label, in: after) }
            // A prompt step and three decode steps at least.
            #expect((value("vllm:iteration_tokens_total_count") ?? 0) >= 4)
            #expect((value("vllm:step_time_seconds_count") ?? 0) >= 4)
            #expect(value("vllm:step_predicted_time_seconds_count") == value("vllm:step_time_seconds_count"))
            #expect((value("vllm:last_step_time_seconds") ?? 0) > 0)
            #expect((value("vllm:last_step_predicted_time_seconds") ?? 0) > 0)
            #expect((value("vllm:step_cost_correction") ?? 0) > 0)
        }
    }
}
}
