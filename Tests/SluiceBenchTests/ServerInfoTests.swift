import Foundation
@testable import SluiceBench
import Testing

@Suite("What the benchmark reads from a server besides streams")
struct ServerInfoTests {
    @Test("prefix-cache counters are summed over label sets, with spaces inside labels")
    func prefixCounters() throws {
        let text = """
            # HELP sluice:prefix_cache_queries_total Prefix cache queries
            # TYPE sluice:prefix_cache_queries_total counter
            sluice:prefix_cache_queries_total{model_name="a b"} 1000
            sluice:prefix_cache_queries_total{model_name="c"} 24
            sluice:prefix_cache_hits_total{model_name="a b"} 512
            sluice:num_requests_running 3
            """
        let counters = try #require(ServerInfo.parsePrefixCacheCounters(text))
        #expect(counters.queries == 1024)
        #expect(counters.hits == 512)
        #expect(ServerInfo.parsePrefixCacheCounters("llamacpp:prompt_tokens_total 5") == nil)
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
