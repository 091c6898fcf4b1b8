import AsyncHTTPClient
import Foundation
import NIOCore

/// What the benchmark asks a server before a run: its model's name and its prefix-cache counters.
public enum ServerInfo {
    /// The first model `GET /v1/models` lists, or nil when it lists none; throws when the server
    /// cannot be reached.
    public static func firstModel(http: HTTPClient, address: ServerAddress,
                                  apiKey: String?) async throws(BenchError) -> String? {
        struct ModelList: Decodable {
            struct Model: Decodable { var id: String }
            var data: [Model]
        }
        let text: String
        do {
            text = try await get(address.models, http: http, apiKey: apiKey)
        } catch {
            throw .server("""
                could not list the server's models (\(StreamingClient.describe(error))); \
                is the server running at \(address.root)?
                """)
        }
        return (try? JSONDecoder().decode(ModelList.self, from: Data(text.utf8)))?.data.first?.id
    }

    /// The server's prefix-cache counters (queried tokens, hit tokens) from its Prometheus
    /// `/metrics`, as vLLM names them under any prefix (`vllm:prefix_cache_queries_total`, `…hits_total`);
    /// nil when the server has no such counters, as llama-server has not.
    public static func prefixCacheCounters(http: HTTPClient, address: ServerAddress,
                                           apiKey: String?) async -> (queries: Double, hits: Double)? {
        guard let text = try? await get(address.metrics, http: http, apiKey: apiKey) else { return nil }
        return parsePrefixCacheCounters(text)
    }

    /// Sums the samples of the prefix-cache counters in Prometheus text; nil when either is absent.
    static func parsePrefixCacheCounters(_ text: String) -> (queries: Double, hits: Double)? {
        var queries: Double?
        var hits: Double?
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            // `name{labels} value [timestamp]`; label values may hold spaces, so read past the braces.
            let name = line.prefix { $0 != "{" && $0 != " " }
            let rest = line.lastIndex(of: "}").map { line[line.index(after: $0)...] } ?? line.dropFirst(name.count)
            guard let field = rest.split(separator: " ").first, let value = Double(field) else { continue }
            // Exact names: vLLM's client also writes `…_created` timestamps beside each counter,
            // and vLLM 0.9 and 0.10 export the same counts again as `vllm:gpu_prefix_cache_…`.
            if name.hasSuffix(":prefix_cache_queries_total") { queries = (queries ?? 0) + value }
            if name.hasSuffix(":prefix_cache_hits_total") { hits = (hits ?? 0) + value }
        }
        guard let queries, let hits else { return nil }
        return (queries, hits)
    }

    /// The server's speculative-decoding counters (draft tokens, accepted tokens) from `/metrics`,
    /// as vLLM and Sluice name them (`…spec_decode_num_draft_tokens_total`,
    /// `…spec_decode_num_accepted_tokens_total`); nil when the server has none.
    public static func specDecodeCounters(http: HTTPClient, address: ServerAddress,
                                          apiKey: String?) async -> (draftTokens: Double, acceptedTokens: Double)? {
        guard let text = try? await get(address.metrics, http: http, apiKey: apiKey) else { return nil }
        return parseSpecDecodeCounters(text)
    }

    /// Sums the samples of the two speculative-decoding counters; nil when either is absent.
    static func parseSpecDecodeCounters(_ text: String) -> (draftTokens: Double, acceptedTokens: Double)? {
        var draft: Double?
        var accepted: Double?
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let name = line.prefix { $0 != "{" && $0 != " " }
            let rest = line.lastIndex(of: "}").map { line[line.index(after: $0)...] } ?? line.dropFirst(name.count)
            guard let field = rest.split(separator: " ").first, let value = Double(field) else { continue }
            // Exact suffixes: `…_num_accepted_tokens_per_pos_total` must not count.
            if name.hasSuffix("spec_decode_num_draft_tokens_total") { draft = (draft ?? 0) + value }
            if name.hasSuffix("spec_decode_num_accepted_tokens_total") { accepted = (accepted ?? 0) + value }
        }
        guard let draft, let accepted else { return nil }
        return (draft, accepted)
    }

    private static func get(_ url: String, http: HTTPClient, apiKey: String?) async throws -> String {
        var request = HTTPClientRequest(url: url)
        if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        let response = try await http.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 16 << 20)
        guard response.status == .ok else { throw BenchError.server("HTTP \(response.status.code) from \(url)") }
        return String(buffer: body)
    }
}
