import Foundation
import SluiceTemplate
import Testing

@Suite("Chat templates against Python's jinja2")
struct ChatTemplateTests {
    @Test("every real model template renders every fixture conversation byte for byte as jinja2 does")
    func realTemplatesMatchJinja2() throws {
        let fixture = try Fixtures.load("template_fixtures")
        let now = try Fixtures.fixedNow(try #require(fixture["now"]?.stringValue))
        let cases = try #require(fixture["cases"]?.arrayValue).compactMap(\.objectValue)
        #expect(cases.count >= 400)
        var templates: [String: Result<ChatTemplate, JinjaError>] = [:]
        var failures: [String] = []
        for testCase in cases {
            let name = try #require(testCase["template"]?.stringValue)
            let conversation = testCase["conversation"]?.stringValue ?? ""
            if templates[name] == nil {
                let source = try Fixtures.templateSource(name)
                let bos = testCase["bos_token"]?.stringValue ?? ""
                let eos = testCase["eos_token"]?.stringValue ?? ""
                templates[name] = Result { () throws(JinjaError) in try ChatTemplate(source: source, bosToken: bos, eosToken: eos) }
            }
            let parsed = templates[name]!
            let messages = try #require(testCase["messages"]?.arrayValue)
            let addGenerationPrompt = testCase["add_generation_prompt"] == .bool(true)
            let extra = Dictionary(uniqueKeysWithValues: Array(testCase["extra"]?.objectValue ?? [:]).map { ($0.key, $0.value) })
            if let problem = Fixtures.mismatch(testCase, render: { () throws(JinjaError) in
                try parsed.get().render(messages: messages, addGenerationPrompt: addGenerationPrompt, extraContext: extra, now: now)
            }) {
                failures.append("\(name) / \(conversation): \(problem)")
            }
        }
        #expect(templates.count >= 80)
        for failure in failures { Issue.record(Comment(rawValue: failure)) }
        #expect(failures.isEmpty, "\(failures.count) of \(cases.count) cases differ")
    }

    @Test("the variables apply_chat_template passes are set, with tools and documents none by default")
    func contextVariables() throws {
        let template = try ChatTemplate(
            source: "{{ bos_token }}|{{ eos_token }}|{{ add_generation_prompt }}|{{ messages|length }}|{{ tools is none }}|{{ documents is none }}|{{ extra }}",
            bosToken: "<s>", eosToken: "</s>")
        let output = try template.render(messages: [["role": "user", "content": "hi"]], addGenerationPrompt: true, extraContext: ["extra": 7])
        #expect(output == "<s>|</s>|True|1|True|True|7")
    }

    @Test("raise_exception fails the render with exactly the template's message")
    func raiseExceptionSurfacesMessage() throws {
        let template = try ChatTemplate(
            source: "{% if messages[0].role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}ok",
            bosToken: "", eosToken: "")
        #expect(throws: JinjaError.raised("System role not supported")) {
            try template.render(messages: [["role": "system", "content": "x"]], addGenerationPrompt: false)
        }
        #expect(try template.render(messages: [["role": "user", "content": "x"]], addGenerationPrompt: false) == "ok")
        #expect(JinjaError.raised("System role not supported").description == "System role not supported")
    }

    @Test("strftime_now formats the given time like Python's datetime.strftime")
    func strftimeNowFormatsTheClock() throws {
        let template = try ChatTemplate(
            source: "{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%Y-%m-%dT%H:%M:%S') }}|{{ strftime_now('%A, %B %-d') }}|[{{ strftime_now('%z%Z') }}]|{{ strftime_now('%%') }}",
            bosToken: "", eosToken: "")
        let now = try Fixtures.fixedNow("2025-03-09T07:05:03")
        let output = try template.render(messages: [], addGenerationPrompt: false, now: now)
        #expect(output == "09 Mar 2025|2025-03-09T07:05:03|Sunday, March 9|[]|%")
    }
}
