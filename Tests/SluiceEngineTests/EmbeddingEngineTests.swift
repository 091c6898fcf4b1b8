import Foundation
import SluiceAssets
import SluiceCPU
import SluiceEngine
import SluiceModel
import Testing

/// The embedding engine over nomic-embed-text-v1.5: requests from many callers share passes, and each
/// gets the vectors it would get alone.
@Suite("Embedding engine", .serialized)
struct EmbeddingEngineTests {
    static let model: any EncoderModel = {
        guard let entry = ModelCatalog.entry(named: "nomic-embed") else { fatalError("nomic-embed is not in the catalog") }
        do {
            let path = try ModelCache.default.ensure(entry) { print($0) }
            return try ModelRegistry.loadEncoder(GGUFFile(path: path))
        } catch {
            fatalError("tests need nomic-embed: \(error)")
        }
    }()

    static func makeEngine(maxBatchTokens: Int = 2048) -> EmbeddingEngine {
        EmbeddingEngine(model: model, backend: CPUBackend(threadCount: 2), maxBatchTokens: maxBatchTokens)
    }

    /// Short token-id inputs of distinct content ([CLS] ... [SEP]).
    static func inputs(_ count: Int, length: Int = 12, seed: Int = 0) -> [[Int]] {
        (0..<count).map { index in [101] + (0..<length).map { 2000 + (seed * 131 + index * 37 + $0 * 11) % 20000 } + [102] }
    }

    @Test("eight concurrent requests share passes and each gets what it gets alone")
    func concurrentRequestsSharePasses() async throws {
        let engine = Self.makeEngine()
        defer { engine.shutdown() }
        let requests = (0..<8).map { Self.inputs(3, seed: $0) }
        var alone: [[[Float]]] = []
        for request in requests { alone.append(try await engine.embed(request)) }
        let passesAlone = engine.passCount
        #expect(passesAlone == 8)
        // Held back until all are queued: the step thread is busy with a long pass meanwhile.
        let long = [Array(repeating: 1996, count: 2000)]
        async let blocker = engine.embed(long)
        try await Task.sleep(for: .milliseconds(50))
        let together = try await withThrowingTaskGroup(of: (Int, [[Float]]).self) { group in
            for (index, request) in requests.enumerated() { group.addTask { (index, try await engine.embed(request)) } }
            var results = [[[Float]]](repeating: [], count: requests.count)
            for try await (index, vectors) in group { results[index] = vectors }
            return results
        }
        _ = try await blocker
        let passes = engine.passCount - passesAlone
        #expect(passes < 1 + requests.count, "\(passes) passes for the long input and 8 requests")
        for (index, vectors) in together.enumerated() {
            #expect(vectors.count == 3)
            for (a, b) in zip(vectors, alone[index]) {
                #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-5 })
            }
        }
    }

    @Test("inputs are checked at the door: empty, longer than the context, ids outside the vocabulary")
    func validation() async {
        let engine = Self.makeEngine()
        defer { engine.shutdown() }
        await #expect(throws: EmbeddingError.emptyInput(index: nil)) { _ = try await engine.embed([]) }
        await #expect(throws: EmbeddingError.emptyInput(index: 1)) { _ = try await engine.embed([[101], []]) }
        await #expect(throws: EmbeddingError.inputTooLong(index: 0, tokens: 2049, maxTokens: 2048)) {
            _ = try await engine.embed([Array(repeating: 101, count: 2049)])
        }
        await #expect(throws: EmbeddingError.tokenOutOfRange(index: 0, token: 40000, vocabularySize: 30522)) {
            _ = try await engine.embed([[101, 40000]])
        }
        #expect(engine.passCount == 0)
    }

    /// Holds this thread for `milliseconds`. `Task.sleep` resumes on the shared cooperative pool,
    /// which other suites' blocking reads can hold for many seconds on a 2-core machine: long
    /// enough for every pass to run before the cancel or shutdown this pause precedes.
    static func blockingPause(milliseconds: UInt32) { usleep(milliseconds * 1000) }

    @Test("a cancelled request ends with CancellationError and its waiting inputs never run")
    func cancellation() async throws {
        let engine = Self.makeEngine(maxBatchTokens: 2048)
        defer { engine.shutdown() }
        // Many long inputs: one pass each, so most are still waiting when the task is cancelled.
        let request = (0..<12).map { _ in Array(repeating: 1996, count: 2000) }
        let task = Task { try await engine.embed(request) }
        Self.blockingPause(milliseconds: 100)
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
        try await Task.sleep(for: .milliseconds(100))
        let passes = engine.passCount
        #expect(passes < 12, "\(passes) passes ran for a request cancelled early")
        // The engine goes on serving.
        let vectors = try await engine.embed(Self.inputs(1))
        #expect(vectors.count == 1 && vectors[0].count == 768)
    }

    @Test("shutting down fails the waiting requests with shutDown and refuses new ones")
    func shutdown() async throws {
        let engine = Self.makeEngine()
        let request = (0..<6).map { _ in Array(repeating: 1996, count: 2000) }
        let task = Task { try await engine.embed(request) }
        Self.blockingPause(milliseconds: 100)
        engine.shutdown()
        await #expect(throws: EmbeddingError.shutDown) { _ = try await task.value }
        await #expect(throws: EmbeddingError.shutDown) { _ = try await engine.embed(Self.inputs(1)) }
    }
}
