import SluiceModel
import CKernels
import Foundation

/// The pool of spinning worker threads that every kernel of a forward pass runs on.
///
/// Kernels never run on Swift's cooperative pool (ARCHITECTURE.md, decision 7): the
/// HTTP server needs those threads, and a kernel barrier must not wait on a task queue.
public final class KernelThreadPool {
    let pool: OpaquePointer

    /// Starts `threadCount - 1` workers; the calling thread is the last one.
    /// The most threads a pool takes; more would only oversubscribe the cores.
    public static let maxThreadCount = 256

    /// Starts up to `threadCount - 1` workers (fewer if the system refuses threads); the calling
    /// thread is the last one. Kernels are chosen for this CPU on first use of the traits table.
    public init(threadCount: Int) {
        pool = sl_threadpool_create(Int32(min(max(1, threadCount), Self.maxThreadCount)))
    }

    deinit { sl_threadpool_free(pool) }

    /// Threads that take part in each kernel, the caller included.
    public var threadCount: Int { Int(sl_threadpool_size(pool)) }

    /// The number of threads to use when the user gives none: one per core.
    public static var defaultThreadCount: Int { ProcessInfo.processInfo.activeProcessorCount }
}

extension KernelThreadPool {
    /// Reads `bytes` of `buffer` once over the pool's threads (sl_stream_read), for `sluice bench memory`.
    public func streamRead(_ buffer: UnsafeRawPointer, bytes: Int) -> UInt64 {
        sl_stream_read(pool, buffer, bytes)
    }
}
