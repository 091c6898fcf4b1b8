import SluiceTemplate
import Testing

@Suite("Render limits")
struct RenderLimitsTests {
    @Test("nested loops that would run forever stop at the step limit")
    func runawayLoopsStop() throws {
        let template = try JinjaTemplate("{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}")
        #expect {
            try template.render([:], limits: RenderLimits(maxProducedBytes: 1 << 40, maxSteps: 100_000))
        } throws: { error in
            guard case JinjaError.limitExceeded(let message) = error else { return false }
            return message.contains("100000 loop iterations")
        }
    }

    @Test("output that doubles every iteration stops at the byte limit")
    func runawayOutputStops() throws {
        let template = try JinjaTemplate("{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}")
        #expect(throws: JinjaError.limitExceeded("the template produced more than 1048576 bytes of text")) {
            try template.render([:], limits: RenderLimits(maxProducedBytes: 1 << 20))
        }
    }

    @Test("string repetition is refused before the memory is allocated")
    func hugeRepetitionIsRefused() throws {
        #expect(throws: JinjaError.limitExceeded("the template produced more than 67108864 bytes of text")) {
            try JinjaTemplate("{{ 'x' * 1000000000000 }}").render([:])
        }
    }

    @Test("unbounded macro recursion stops at the call depth limit")
    func recursionStops() throws {
        let template = try JinjaTemplate("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}")
        #expect(throws: JinjaError.limitExceeded("macro calls nested more than 64 deep")) {
            try template.render([:])
        }
    }

    @Test("ranges larger than jinja2's sandbox allows are refused")
    func largeRangeRefused() throws {
        #expect(throws: JinjaError.self) { try JinjaTemplate("{{ range(100001)|length }}").render([:]) }
        #expect(try JinjaTemplate("{{ range(100000)|length }}").render([:]) == "100000")
    }

    @Test("values nested deeper than the limit cannot be built in a loop")
    func deepNestingRefused() throws {
        let template = try JinjaTemplate("{% set ns = namespace(v=[]) %}{% for i in range(1000) %}{% set ns.v = [ns.v] %}{% endfor %}{{ ns.v|length }}")
        #expect {
            try template.render([:])
        } throws: { error in
            guard case JinjaError.limitExceeded(let message) = error else { return false }
            return message.contains("nested more than 64 levels")
        }
    }

    @Test("expressions nested past the parser's depth limit are a syntax error, not a crash")
    func deepExpressionRefused() {
        let source = "{{ " + String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000) + " }}"
        #expect(throws: JinjaError.self) { try JinjaTemplate(source) }
    }

    @Test("templates nested as deep as the parser allows render on a concurrency task's stack")
    func deepNestingFitsTaskStack() async throws {
        let expression = "{{ " + String(repeating: "-", count: 190) + "1 }}"
        let blocks = String(repeating: "{% if true %}{% for i in [1] %}", count: 90) + "x" + String(repeating: "{% endfor %}{% endif %}", count: 90)
        let template = try JinjaTemplate(expression + blocks)
        let output = try await Task.detached { try template.render([:]) }.value
        #expect(output == "1x")
    }
}
