#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive `flock` on a lock file, held until `unlock` or deinit. Locks belong to open files, so
/// two fetches of one asset exclude each other whether they run in two processes or two threads.
final class FileLock {
    private var descriptor: Int32

    /// Takes the lock at `path`, creating the file; calls `waiting` first when someone else holds it.
    init(path: String, waiting: () -> Void) throws {
        descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw AssetError.fileSystem(path: path, reason: "cannot open the lock file: \(String(cString: strerror(errno)))")
        }
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            waiting()
            while flock(descriptor, LOCK_EX) != 0 {
                guard errno == EINTR else {
                    close(descriptor)
                    throw AssetError.fileSystem(path: path, reason: "cannot lock: \(String(cString: strerror(errno)))")
                }
            }
        }
    }

    func unlock() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
    }

    deinit { unlock() }
}
