/// A function a template can call: a global such as `range`, a macro, or a bound method such as
/// `message.content.strip`.
///
/// `@unchecked Sendable` is safe because only the renderer creates callables (the initializer is
/// internal); the body may capture the renderer's scopes, which live on the thread running
/// `render`, and `render` returns a `String`, so no callable outlives the call or reaches another
/// thread.
public final class JinjaCallable: @unchecked Sendable {
    /// What a callable is, which decides how it prints and what a `callable` test says.
    enum Kind {
        case function
        case macro
        case method
    }

    let name: String
    let kind: Kind
    let body: (CallArguments, Renderer) throws(JinjaError) -> JinjaValue

    init(
        name: String, kind: Kind = .function,
        body: @escaping (CallArguments, Renderer) throws(JinjaError) -> JinjaValue
    ) {
        self.name = name
        self.kind = kind
        self.body = body
    }
}
