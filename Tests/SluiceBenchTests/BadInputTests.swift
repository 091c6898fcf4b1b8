import SluiceBench
import Testing

@Suite("Bad command-line input gives errors that say what to do")
struct BadInputTests {
    @Test("an unknown dataset lists the known ones")
    func unknownDataset() throws {
        #expect(throws: BenchError.unknownDataset("sonnet")) { try DatasetName.parse("sonnet") }
        #expect(BenchError.unknownDataset("sonnet").description
            == "unknown dataset 'sonnet'; choose one of sharegpt, random, prefix")
        #expect(try DatasetName.parse("ShareGPT") == .sharegpt)
    }

    @Test("an unknown endpoint lists the known ones")
    func unknownEndpoint() {
        #expect(throws: BenchError.unknownEndpoint("embeddings")) { try Endpoint.parse("embeddings") }
        #expect(BenchError.unknownEndpoint("x").description == "unknown endpoint 'x'; choose one of completions, chat")
    }

    @Test("a sweep list parses positive whole numbers",
          arguments: [("1,4,16,64", [1, 4, 16, 64]), (" 2 , 8 ", [2, 8]), ("3", [3])])
    func sweepList(text: String, levels: [Int]) throws {
        #expect(try ConcurrencySweep.parse(text) == levels)
    }

    @Test("a bad sweep list is refused with an example of a good one",
          arguments: ["", "1,,4", "1,x", "0,4", "-1", "1.5", "4;16"])
    func badSweepList(text: String) {
        #expect(throws: BenchError.badSweepList(text)) { try ConcurrencySweep.parse(text) }
        #expect(BenchError.badSweepList(text).description.contains("write it like 1,4,16,64"))
    }

    @Test("a base URL may end in /v1 or a slash; one without a scheme is refused")
    func baseURL() throws {
        #expect(try ServerAddress(baseURL: "http://127.0.0.1:8000/v1/").url(of: .chat)
            == "http://127.0.0.1:8000/v1/chat/completions")
        #expect(try ServerAddress(baseURL: "http://h:1").models == "http://h:1/v1/models")
        #expect(throws: BenchError.self) { try ServerAddress(baseURL: "127.0.0.1:8000") }
    }

    @Test("options out of range are refused with the flag's name")
    func options() throws {
        func make(numPrompts: Int = 1, rate: Double = .infinity, burstiness: Double = 1,
                  levels: [Int?] = [nil]) throws -> ServeBenchmarkOptions {
            try ServeBenchmarkOptions(
                label: "x", address: ServerAddress(baseURL: "http://h:1"), model: nil, apiKey: nil, endpoint: .chat,
                dataset: .random, datasetPath: nil, tokenizerPath: "t.gguf", numPrompts: numPrompts,
                randomInputLength: 4, randomOutputLength: 4, prefixLength: 4, maxOutputTokens: 4,
                concurrencyLevels: levels, requestRate: rate, burstiness: burstiness, seed: 0, ignoreEOS: false,
                numWarmups: 0, saveDetailed: false)
        }
        #expect(throws: BenchError.badOption("--num-prompts must be at least 1")) { try make(numPrompts: 0) }
        #expect(throws: BenchError.badOption("--request-rate must be positive (inf sends all at once)")) { try make(rate: 0) }
        #expect(throws: BenchError.badOption("--burstiness must be a positive number")) { try make(burstiness: 0) }
        #expect(throws: BenchError.badOption("--max-concurrency must be at least 1")) { try make(levels: [0]) }
        #expect(try make(levels: [1, 4]).concurrencyLevels == [1, 4])
    }
}
