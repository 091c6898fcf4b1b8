import Testing
@testable import SluiceEngine

@Suite("FreeBlockQueue")
struct FreeBlockQueueTests {
    private func makeQueue(_ ids: [BlockID], numBlocks: Int = 10) -> FreeBlockQueue {
        FreeBlockQueue(numBlocks: numBlocks, initialBlocks: ids)
    }

    @Test("pops blocks from the front in the order they were appended")
    func popsInOrder() {
        var queue = makeQueue([1, 2, 3])
        queue.append(7)
        #expect(queue.popFront() == 1)
        #expect(queue.popFront() == 2)
        #expect(queue.popFront() == 3)
        #expect(queue.popFront() == 7)
        #expect(queue.popFront() == nil)
        #expect(queue.count == 0)
    }

    @Test("removes a block from the middle and keeps both directions linked")
    func removesFromMiddle() {
        var queue = makeQueue([1, 2, 3, 4, 5])
        queue.remove(3)
        #expect(queue.blockIDs == [1, 2, 4, 5])
        #expect(queue.blockIDsBackward == [5, 4, 2, 1])
        #expect(!queue.contains(3))
        queue.remove(1)
        queue.remove(5)
        #expect(queue.blockIDs == [2, 4])
        #expect(queue.blockIDsBackward == [4, 2])
        #expect(queue.front == 2)
        #expect(queue.count == 2)
    }

    @Test("a removed block appended again goes to the back")
    func reappendGoesToBack() {
        var queue = makeQueue([1, 2, 3])
        queue.remove(1)
        queue.append(1)
        #expect(queue.blockIDs == [2, 3, 1])
        #expect(queue.contains(1))
    }

    @Test("the last block can be removed and the queue refilled")
    func emptiesAndRefills() {
        var queue = makeQueue([4])
        queue.remove(4)
        #expect(queue.blockIDs.isEmpty)
        #expect(queue.blockIDsBackward.isEmpty)
        queue.append(9)
        queue.append(4)
        #expect(queue.blockIDs == [9, 4])
        #expect(queue.blockIDsBackward == [4, 9])
    }
}
