import NIOCore

/// The server's readers of untrusted request bodies, for the fuzz target (`scripts/fuzz.sh request`)
/// and its regression tests: every endpoint's decoder runs on the same bytes, with the checks that
/// follow decoding (unsupported fields, structured outputs, tools). Any outcome but a crash or a hang
/// is correct: a decoded request or an `APIError`.
public enum RequestFuzzing {
    /// Decodes `bytes` as each endpoint's body; returns how many endpoints accepted it.
    @discardableResult
    public static func decodeEveryEndpoint(_ bytes: some Collection<UInt8>) -> Int {
        let body = ByteBuffer(bytes: bytes)
        var accepted = 0
        if (try? ChatCompletionRequest.decode(from: body)) != nil { accepted += 1 }
        if (try? CompletionRequest.decode(from: body)) != nil { accepted += 1 }
        if (try? MessagesRequest.decode(from: body)) != nil { accepted += 1 }
        if (try? ResponsesRequest.decode(from: body)) != nil { accepted += 1 }
        if (try? JSONBody.decode(EmbeddingRequest.self, from: body)) != nil { accepted += 1 }
        return accepted
    }
}
