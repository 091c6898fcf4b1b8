#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file memory-mapped read-only; unmapped when the last reference goes away.
///
/// `@unchecked Sendable` is safe: `bytes` is a `let` set once in `init`, the pages are mapped
/// `PROT_READ` so no thread can write them, and `munmap` runs only in `deinit`, when no other
/// reference (and so no other thread) can reach the mapping.
package final class GGUFMapping: @unchecked Sendable {
    /// The file's bytes; empty (with a nil base) for an empty file, which `mmap` refuses.
    package let bytes: UnsafeRawBufferPointer

    package init(path: String) throws(GGUFError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .cannotOpen(path: path, reason: Self.lastError()) }
        defer { close(descriptor) }

        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .cannotOpen(path: path, reason: Self.lastError()) }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw .cannotOpen(path: path, reason: "not a regular file")
        }
        let size = Int(status.st_size)
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0)
        guard let address, address != MAP_FAILED else {
            throw .cannotOpen(path: path, reason: "mmap of \(size) bytes failed: \(Self.lastError())")
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    deinit {
        if let base = bytes.baseAddress {
            munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
        }
    }

    private static func lastError() -> String {
        String(cString: strerror(errno))
    }
}
