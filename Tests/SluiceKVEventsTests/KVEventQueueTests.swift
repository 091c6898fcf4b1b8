import Testing
@testable import SluiceKVEvents

@Suite("The bounded queue between the step thread and the publisher")
struct KVEventQueueTests {
    static func batch(_ time: Double) -> KVEventBatch { KVEventBatch(timestamp: time, events: [.allBlocksCleared]) }

    @Test("a full queue drops and counts instead of waiting, and keeps the oldest batches in order")
    func dropsWhenFull() {
        let queue = KVEventQueue(capacity: 2)
        #expect(queue.push(Self.batch(1)))
        #expect(queue.push(Self.batch(2)))
        #expect(!queue.push(Self.batch(3)))
        #expect(queue.numDropped == 1)
        guard case .batch(let first) = queue.pop(timeout: 0) else { Issue.record("no batch"); return }
        #expect(first.timestamp == 1)
        #expect(queue.push(Self.batch(4)))
        guard case .batch(let second) = queue.pop(timeout: 0), case .batch(let third) = queue.pop(timeout: 0) else {
            Issue.record("no batch"); return
        }
        #expect([second.timestamp, third.timestamp] == [2, 4])
        guard case .timedOut = queue.pop(timeout: 0.01) else { Issue.record("expected a timeout"); return }
    }

    @Test("after close, pushes are refused and pops drain what is left, then say closed")
    func close() {
        let queue = KVEventQueue(capacity: 4)
        queue.push(Self.batch(1))
        queue.close()
        #expect(!queue.push(Self.batch(2)))
        guard case .batch = queue.pop(timeout: 1) else { Issue.record("the queued batch was lost"); return }
        guard case .closed = queue.pop(timeout: 1) else { Issue.record("expected closed"); return }
    }
}
