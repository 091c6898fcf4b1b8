/// The object `namespace()` returns: attributes a template can assign with
/// `{% set ns.name = value %}`, which is how chat templates carry state out of a loop body.
///
/// `@unchecked Sendable` is safe because only the renderer creates namespaces (the initializer is
/// internal), and it does so on the thread running `render`; `render` returns a `String`, so no
/// namespace outlives the call or reaches another thread.
public final class JinjaNamespace: @unchecked Sendable {
    var attributes: JinjaObject

    init(_ attributes: JinjaObject) {
        self.attributes = attributes
    }
}
