import Foundation
import SluiceTemplate
import Testing

@Suite("Jinja language features against Python's jinja2")
struct JinjaTemplateTests {
    @Test("every synthetic feature template renders as jinja2 renders it, or fails where jinja2 fails")
    func featuresMatchJinja2() throws {
        let fixture = try Fixtures.load("feature_fixtures")
        let now = try Fixtures.fixedNow(try #require(fixture["now"]?.stringValue))
        let cases = try #require(fixture["cases"]?.arrayValue).compactMap(\.objectValue)
        #expect(cases.count >= 120)
        var failures: [String] = []
        for testCase in cases {
            let name = try #require(testCase["name"]?.stringValue)
            let source = try #require(testCase["template"]?.stringValue)
            let context = Dictionary(uniqueKeysWithValues: Array(testCase["context"]?.objectValue ?? [:]).map { ($0.key, $0.value) })
            if let problem = Fixtures.mismatch(testCase, render: { () throws(JinjaError) in
                // Rendered through ChatTemplate for raise_exception and strftime_now, with no chat variables set.
                let template = try ChatTemplate(source: source, bosToken: "", eosToken: "")
                return try template.render(messages: [], addGenerationPrompt: false, extraContext: context, now: now)
            }) {
                failures.append("\(name): \(problem)")
            }
        }
        for failure in failures { Issue.record(Comment(rawValue: failure)) }
        #expect(failures.isEmpty, "\(failures.count) of \(cases.count) cases differ")
    }

    @Test("a syntax error reports the line and column where parsing stopped")
    func syntaxErrorsHaveLocations() {
        #expect(throws: JinjaError.syntax("unexpected end of template; expected 'endfor' or 'else' to close the 'for' on line 2", at: SourceLocation(line: 3, column: 8))) {
            try JinjaTemplate("hello\n{% for x in xs %}\n{{ x }}")
        }
        #expect(throws: JinjaError.syntax("unknown tag 'frobnicate'", at: SourceLocation(line: 1, column: 4))) {
            try JinjaTemplate("{% frobnicate %}")
        }
        #expect(throws: JinjaError.syntax("unexpected '}}'", at: SourceLocation(line: 2, column: 8))) {
            try JinjaTemplate("ok\n{{ 1 + }}")
        }
        let error = JinjaError.syntax("expected 'endfor'", at: SourceLocation(line: 3, column: 14))
        #expect(error.description == "chat template line 3, column 14: expected 'endfor'")
    }

    @Test("a mismatched end tag names the block it should close")
    func mismatchedEndTag() {
        #expect(throws: JinjaError.syntax("unexpected 'endif'; expected 'endfor' or 'else' to close the 'for' on line 1", at: SourceLocation(line: 1, column: 28))) {
            try JinjaTemplate("{% for x in xs %}{{ x }}{% endif %}")
        }
    }

    @Test("an unknown filter or test is a syntax error that names it")
    func unknownFilterIsClear() {
        #expect(throws: JinjaError.syntax("no filter named 'shout'", at: SourceLocation(line: 1, column: 10))) {
            try JinjaTemplate("{{ 'a' | shout }}")
        }
        #expect(throws: JinjaError.syntax("no test named 'loud'", at: SourceLocation(line: 1, column: 15))) {
            try JinjaTemplate("{{ 'a' is not loud }}")
        }
    }

    @Test("runtime errors name the failing expression and where it is")
    func runtimeErrorsHaveLocations() throws {
        let template = try JinjaTemplate("line one\n  {{ user.name }}")
        #expect(throws: JinjaError.runtime("'user' is undefined", at: SourceLocation(line: 2, column: 6))) {
            try template.render([:])
        }
        #expect(throws: JinjaError.runtime("'int' object is not callable", at: SourceLocation(line: 1, column: 4))) {
            try JinjaTemplate("{{ n() }}").render(["n": 3])
        }
        #expect(throws: JinjaError.runtime("can only concatenate str (not \"int\") to str", at: SourceLocation(line: 1, column: 4))) {
            try JinjaTemplate("{{ 'a' + 1 }}").render([:])
        }
        #expect(throws: JinjaError.runtime("cannot assign attribute 'y' on 'x': it is not a namespace() object", at: SourceLocation(line: 1, column: 14))) {
            try JinjaTemplate("{% set x.y = 1 %}").render(["x": [:]])
        }
    }

    @Test("JinjaTemplate alone has jinja2's globals but not the chat helpers")
    func plainTemplateGlobals() throws {
        #expect(try JinjaTemplate("{{ range(3)|join(',') }} {{ raise_exception is defined }}").render([:]) == "0,1,2 False")
    }

    @Test("a template parsed once renders concurrently with different contexts")
    func concurrentRenders() async throws {
        let template = try JinjaTemplate("{% for i in range(n) %}{{ i }}{% endfor %}")
        let outputs = try await withThrowingTaskGroup(of: String.self) { group in
            for n in 1...8 { group.addTask { try template.render(["n": .int(n)]) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(outputs).count == 8)
    }
}
