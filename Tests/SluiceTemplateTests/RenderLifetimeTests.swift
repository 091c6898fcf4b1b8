import Testing
@testable import SluiceTemplate

/// A render frees what it made: a macro closes over the scope that holds it, and a namespace can hold
/// itself, so without the renderer breaking those cycles every render of such a template leaked its
/// scopes and every value in them (LeakSanitizer found it under the template fuzzer). Each case passes
/// a callable the test made and holds only weakly, and checks it is gone once `render` returns.
@Suite("Jinja renders free their scopes, macros and namespaces")
struct RenderLifetimeTests {
    static let templates: [(name: String, source: String, output: String)] = [
        ("a macro defined at the top level",
         "{% macro m() %}[{{ probe() }}]{% endmacro %}{{ m() }}", "[p]"),
        ("a macro defined in a loop and carried out of it in a namespace",
         "{% set ns = namespace(m=none) %}{% for i in [1, 2] %}{% macro m() %}{{ i }}{{ probe() }}{% endmacro %}"
             + "{% set ns.m = m %}{% endfor %}{{ ns.m() }}", "2p"),
        ("a namespace that holds itself",
         "{% set ns = namespace(f=probe) %}{% set ns.me = ns %}{{ ns.me.me.f() }}", "p"),
        ("a call block whose caller the macro calls",
         "{% macro wrap() %}<{{ caller() }}>{% endmacro %}{% call wrap() %}{{ probe() }}{% endcall %}", "<p>"),
        ("a macro that fails mid-render",
         "{% macro m() %}{{ probe() }}{{ raise_exception('stop') }}{% endmacro %}{{ m() }}", ""),
    ]

    @Test("the values a render used are freed when it returns", arguments: templates.indices)
    func renderFreesItsValues(index: Int) throws {
        let (name, source, output) = Self.templates[index]
        let template = try ChatTemplate(source: source, bosToken: "", eosToken: "")
        weak var probe: JinjaCallable?
        var calls = 0
        do {
            let callable = JinjaCallable(name: "probe") { _, _ throws(JinjaError) in
                calls += 1
                return .string("p")
            }
            probe = callable
            let rendered = Result { () throws(JinjaError) in
                try template.render(messages: [], addGenerationPrompt: false, extraContext: ["probe": .callable(callable)])
            }
            switch rendered {
            case .success(let text): #expect(text == output, "\(name)")
            case .failure: #expect(output.isEmpty, "\(name): the render failed")
            }
        }
        #expect(calls >= 1, "\(name): the template never called the probe")
        #expect(probe == nil, "\(name): the render leaked the values it used")
    }
}
