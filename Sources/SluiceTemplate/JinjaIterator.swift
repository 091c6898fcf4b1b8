/// A one-pass sequence, like the Python generators that jinja2's `map`, `select`, `selectattr`,
/// `unique` and `batch` filters return.
///
/// Templates can observe the difference from a list: an iterator is always true (even when it
/// yields nothing), has no length, cannot be serialized with `tojson`, and a second pass over it
/// sees only what the first pass left.
///
/// `@unchecked Sendable` is safe because only the renderer creates iterators (the initializer is
/// internal), and it does so on the thread running `render`; `render` returns a `String`, so no
/// iterator outlives the call or reaches another thread.
public final class JinjaIterator: @unchecked Sendable {
    private var remaining: ArraySlice<JinjaValue>

    init(_ elements: [JinjaValue]) {
        remaining = elements[...]
    }

    /// Takes the next element, as Python's `next()`.
    func next() -> JinjaValue? {
        remaining.popFirst()
    }

    /// Takes every element left.
    func drain() -> [JinjaValue] {
        defer { remaining = [] }
        return Array(remaining)
    }
}
