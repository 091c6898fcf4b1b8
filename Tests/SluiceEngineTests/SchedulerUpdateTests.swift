import Testing
@testable import SluiceEngine

@Suite("Scheduler update")
struct SchedulerUpdateTests {
    /// Where the request's token array lives now; the copy made to ask is gone on return.
    func tokenStorage(_ scheduler: Scheduler, _ id: RequestID) -> (address: Int, count: Int, capacity: Int) {
        let tokens = scheduler.request(id)!.allTokenIDs
        return tokens.withUnsafeBufferPointer { (Int(bitPattern: $0.baseAddress), tokens.count, tokens.capacity) }
    }

    @Test("appending a sampled token grows the request's token array in place, never copying it")
    func appendDoesNotCopy() throws {
        var scheduler = try makeScheduler()
        try scheduler.add(makeRequest("a", promptLength: 100, maxTokens: 300))
        var numInPlace = 0
        while scheduler.hasUnfinishedRequests {
            let before = tokenStorage(scheduler, "a")
            let finished = runStep(&scheduler).finished
            guard finished.isEmpty else { break }
            let after = tokenStorage(scheduler, "a")
            if before.count > 100 && before.count < before.capacity {
                #expect(after.address == before.address)
                numInPlace += 1
            }
        }
        #expect(numInPlace > 100)
    }

    @Test("a step's rows are slices of one token array, one after another, not an array per row")
    func rowsShareOneTokenArray() throws {
        var scheduler = try makeScheduler()
        for (index, id) in (["a", "b", "c"] as [RequestID]).enumerated() {
            try scheduler.add(makeRequest(id, promptLength: 5 + index, maxTokens: 8, tokenBase: index * 100))
        }
        runStep(&scheduler)
        for _ in 0..<3 {
            let rows = runStep(&scheduler).output.scheduledRequests
            #expect(rows.map(\.tokenIDs.count) == [1, 1, 1])
            let addresses = rows.map { $0.tokenIDs.withUnsafeBufferPointer { Int(bitPattern: $0.baseAddress) } }
            let stride = MemoryLayout<Int>.stride
            #expect(addresses[1] == addresses[0] + stride && addresses[2] == addresses[1] + stride)
        }
    }
}
