import Foundation
@testable import SluiceBench
import Testing

@Suite("What the benchmark reads from a server besides streams")
struct ServerInfoTests {
    @Test("prefix-cache counters are summed over label sets, with spaces inside labels, never the _created or deprecated gpu_ series")
    func prefixCounters() throws {
        let text = """
            # HELP vllm:prefix_cache_queries_total Prefix cache queries
            # TYPE vllm:prefix_cache_queries_total counter
            vllm:prefix_cache_queries_total{model_name="a b",engine="0"} 1000
            vllm:prefix_cache_queries_total{model_name="c",engine="0"} 24
            vllm:prefix_cache_queries_created{model_name="c",engine="0"} 1.7e9
            vllm:gpu_prefix_cache_queries_total{model_name="c",engine="0"} 24
            vllm:prefix_cache_hits_total{model_name="a b",engine="0"} 512
            vllm:num_requests_running 3
            """
        let counters = try #require(ServerInfo.parsePrefixCacheCounters(text))
        #expect(counters.queries == 1024)
        #expect(counters.hits == 512)
        #expect(ServerInfo.parsePrefixCacheCounters("llamacpp:prompt_tokens_total 5") == nil)
        let ours = try #require(ServerInfo.parsePrefixCacheCounters(
            "sluice:prefix_cache_queries_total 8\nsluice:prefix_cache_hits_total 2"))
        #expect(ours.queries == 8 && ours.hits == 2)
    }

    @Test("speculative-decoding counters: draft and accepted tokens, never the per-position series")
    func specDecodeCounters() throws {
        let text = """
            sluice:spec_decode_num_drafts_total{model_name="m"} 10
            sluice:spec_decode_num_draft_tokens_total{model_name="m"} 40
            sluice:spec_decode_num_accepted_tokens_total{model_name="m"} 25
            sluice:spec_decode_num_accepted_tokens_per_pos_total{model_name="m",position="0"} 9
            """
        let counters = try #require(ServerInfo.parseSpecDecodeCounters(text))
        #expect(counters.draftTokens == 40)
        #expect(counters.acceptedTokens == 25)
        #expect(ServerInfo.parseSpecDecodeCounters("sluice:prefix_cache_hits_total 5") == nil)
    }
}
