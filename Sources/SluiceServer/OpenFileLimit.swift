#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's limit on open file descriptors, which bounds how many connections it can hold.
public enum OpenFileLimit {
    /// Descriptors kept for everything but connections: the model file, the log, the event
    /// loops' own descriptors, the listening socket.
    public static let reserved = 64

    /// Raises the soft `RLIMIT_NOFILE` to the hard limit (at most `ceiling`) where the system
    /// allows it, and returns the soft limit in force afterwards.
    @discardableResult
    public static func raiseSoftLimit(ceiling: Int = 1 << 16) -> Int {
        var limit = rlimit()
        guard getrlimit(resourceNumber, &limit) == 0 else { return 1024 }
        let target = min(limit.rlim_max, rlim_t(ceiling))
        if limit.rlim_cur < target {
            var raised = limit
            raised.rlim_cur = target
            if setrlimit(resourceNumber, &raised) == 0 { limit = raised }
        }
        return Int(limit.rlim_cur)
    }

    /// The connection cap that leaves ``reserved`` descriptors free under a soft limit of `softLimit`.
    public static func maxConnections(softLimit: Int) -> Int {
        max(softLimit - reserved, 16)
    }

    #if canImport(Glibc)
    private static let resourceNumber = __rlimit_resource_t(UInt32(RLIMIT_NOFILE.rawValue))
    #else
    private static let resourceNumber = RLIMIT_NOFILE
    #endif
}
