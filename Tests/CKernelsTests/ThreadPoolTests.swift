import CKernels
import Testing

@Suite("Kernel thread pool")
struct ThreadPoolTests {
    /// Each thread adds its index + 1 into its own slot, so the sums show who ran how often.
    private static let task: sl_task_fn = { context, ith, nth in
        let slots = context!.assumingMemoryBound(to: Int.self)
        slots[Int(ith)] += Int(ith) + 1
        slots[Int(nth) + Int(ith)] = Int(nth)
    }

    @Test("every thread runs each task exactly once, even when the task is posted before the workers start",
          arguments: [1, 2, 3, 5])
    func runsEachTaskOncePerThread(threads: Int) {
        for _ in 0..<50 {
            let pool = sl_threadpool_create(Int32(threads))!
            #expect(sl_threadpool_size(pool) == Int32(threads))
            var slots = [Int](repeating: 0, count: 2 * threads)
            let rounds = 20
            slots.withUnsafeMutableBytes { buffer in
                for _ in 0..<rounds { sl_threadpool_run(pool, Self.task, buffer.baseAddress) }
            }
            sl_threadpool_free(pool)
            #expect(Array(slots[0..<threads]) == (0..<threads).map { ($0 + 1) * rounds })
            #expect(Array(slots[threads...]) == [Int](repeating: threads, count: threads))
        }
    }
}
