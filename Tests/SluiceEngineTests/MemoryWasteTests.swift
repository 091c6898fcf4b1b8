import Testing
@testable import SluiceEngine

@Suite("KV memory waste")
struct MemoryWasteTests {
    /// Slots held but not holding KV, over the running requests.
    static func waste(_ scheduler: Scheduler) -> (unused: Int, allocated: Int) {
        var unused = 0
        var allocated = 0
        for id in scheduler.runningRequestIDs {
            let slots = scheduler.kvCacheManager.blockIDs(requestID: id).count * scheduler.config.blockSize
            allocated += slots
            unused += slots - scheduler.request(id)!.numComputedTokens
        }
        return (unused, allocated)
    }

    @Test("64 admitted requests of random lengths leave under one unused block per request, through decode")
    func underOneBlockPerRequest() throws {
        var generator = SeededGenerator(seed: 2024)
        var scheduler = try makeScheduler(budget: 32_768, maxNumSeqs: 64, blockSize: 16, numBlocks: 4000)
        for index in 0..<64 {
            let length = 1 + Int(generator.next() % 400)
            try scheduler.add(makeRequest(RequestID("r\(index)"), promptLength: length, maxTokens: 200,
                                          tokenBase: index * 1000))
        }
        for step in 0..<40 {
            _ = runStep(&scheduler)
            #expect(scheduler.numRunning == 64)
            let (unused, allocated) = Self.waste(scheduler)
            #expect(unused < 64 * 16, "step \(step): \(unused) unused slots")
            // Allocation covers exactly what runs: never more than one partly used block each.
            #expect(unused <= 64 * 15)
            if step == 0 || step == 39 {
                let percent = 100 * Double(unused) / Double(allocated)
                print("KV memory waste after step \(step + 1): \(unused) of \(allocated) slots (\(String(format: "%.2f", percent))%), \(String(format: "%.2f", Double(unused) / 64)) slots per request")
            }
        }
    }
}
