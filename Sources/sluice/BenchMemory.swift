import ArgumentParser
import CKernels
import Foundation
import SluiceCPU
import SluiceModel
#if canImport(Glibc)
import Glibc
#endif

/// `sluice bench memory`: the streaming-read bandwidth of this machine over the kernel thread pool, the
/// ceiling of single-stream decode, which reads every weight once per token.
struct BenchMemory: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memory",
        abstract: "Streaming-read bandwidth over the kernel threads (the ceiling of single-stream decode).")

    @Option(help: "Bytes to read per pass, in MiB (make it well past the last-level cache).")
    var mib: Int = 1024

    @Option(name: [.customShort("r"), .long], help: "Timed passes, after one warm-up.")
    var repetitions: Int = 5

    @Option(help: "Kernel threads (default: one per core).")
    var threads: Int?

    func validate() throws {
        guard (16...65536).contains(mib) else { throw ValidationError("--mib must be between 16 and 65536") }
        guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1") }
    }

    func run() throws {
        let bytes = mib << 20
        let hugePage = 2 << 20
        var pointer: UnsafeMutableRawPointer?
        guard posix_memalign(&pointer, hugePage, bytes) == 0, let buffer = pointer else {
            throw ValidationError("cannot allocate \(mib) MiB")
        }
        defer { free(buffer) }
        #if os(Linux)
        _ = madvise(buffer, bytes, MADV_HUGEPAGE) // as the packed weights' arena
        #endif
        memset(buffer, 0x5A, bytes)
        let pool = KernelThreadPool(threadCount: threads ?? KernelThreadPool.defaultThreadCount)
        var speeds: [Double] = []
        var check: UInt64 = 0
        for pass in 0...repetitions {
            let start = DispatchTime.now().uptimeNanoseconds
            check ^= pool.streamRead(buffer, bytes: bytes)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if pass > 0 { speeds.append(Double(bytes) / seconds / 1e9) }
        }
        let sorted = speeds.sorted()
        print("| threads | MiB | GB/s (median) | GB/s (all passes) |")
        print("| --- | --- | --- | --- |")
        print("| \(pool.threadCount) | \(mib) | \(String(format: "%.1f", sorted[sorted.count / 2])) | "
              + speeds.map { String(format: "%.1f", $0) }.joined(separator: ", ") + " |")
        if check == 1 { print("") } // keeps the reads observable
    }
}
