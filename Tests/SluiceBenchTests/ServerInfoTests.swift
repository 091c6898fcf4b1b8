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
}
