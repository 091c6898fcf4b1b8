/// A parsed Jinja template, rendered the way Python's jinja2 renders it for Hugging Face chat
/// templates (`ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)` with the
/// `loopcontrols` extension and `{% generation %}` blocks).
///
/// Parsing happens once; `render` can run many times, from any thread.
public struct JinjaTemplate: Sendable {
    let source: SourceText
    let nodes: [Node]

    /// Parses `source`, failing with the line and column of the first syntax error.
    public init(_ source: String) throws(JinjaError) {
        self.source = SourceText(source)
        self.nodes = try Parser.parse(self.source)
    }

    /// Renders with `context` as the template's variables, alongside jinja2's globals (`range`,
    /// `dict`, `namespace`, `joiner`).
    public func render(_ context: [String: JinjaValue], limits: RenderLimits = .default) throws(JinjaError) -> String {
        try render(context, globals: [:], limits: limits)
    }

    /// Renders with extra globals, which chat templates use for `raise_exception` and `strftime_now`.
    func render(_ context: [String: JinjaValue], globals: [String: JinjaValue], limits: RenderLimits) throws(JinjaError) -> String {
        let globalScope = Scope(parent: nil, variables: Globals.standard().merging(globals) { _, extra in extra })
        let scope = Scope(parent: globalScope, variables: context)
        let renderer = Renderer(source: source, limits: limits)
        defer { renderer.releaseCycles() }
        return try renderer.render(nodes, in: scope)
    }
}
