import Foundation

/// A value that tasks on any thread read and update under a lock.
///
/// `@unchecked Sendable`: `value` is private and touched only inside ``withLock(_:)``, which holds
/// `lock` for the whole access, so no two threads ever reach it at once; `Value` is itself
/// `Sendable`, so nothing non-sendable escapes through it.
final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    /// Runs `body` on the value with the lock held.
    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
