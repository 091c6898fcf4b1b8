import Foundation
import SluiceGrammar
import Testing
@testable import SluiceServer

@Suite("--tool-call-parser auto: the format chosen from the chat template, and what each format constrains")
struct ToolCallParserKindTests {
    /// The chat templates of real models, kept with the template tests' fixtures.
    static let templates = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("SluiceTemplateTests/Resources/templates")

    static let expected: [(String, ToolCallParserKind)] = [
        ("Qwen-Qwen2.5-7B-Instruct", .hermes),
        ("Qwen-Qwen3-0.6B", .hermes),
        ("NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use", .hermes),
        ("NousResearch-Hermes-3-Llama-3.1-8B-tool_use", .hermes),
        ("meta-llama-Llama-3.1-8B-Instruct", .llama3JSON),
        ("meta-llama-Llama-3.2-3B-Instruct", .llama3JSON),
        ("meta-llama-Llama-3.3-70B-Instruct", .llama3JSON),
        ("mistralai-Mistral-Nemo-Instruct-2407", .mistral),
        ("Mistral-Small-3.2-24B-Instruct-2506", .mistral),
        ("unsloth-mistral-Devstral-Small-2507", .mistral),
        ("mistralai-Ministral-3-14B-Reasoning-2512", .mistral),
        ("LFM2.5-8B-A1B", .pythonic),
        // No tool format of these four: Hermes, as before.
        ("HuggingFaceTB-SmolLM2-135M-Instruct", .hermes),
        ("CohereForAI-c4ai-command-r-plus-tool_use", .hermes),
        ("meetkai-functionary-medium-v3.1", .hermes),
        ("mistralai-Mistral-7B-Instruct-v0.1", .hermes),
    ]

    @Test("each real template gets its family's format; templates without one, or none, get Hermes", arguments: 0..<expected.count)
    func detected(index: Int) throws {
        let (name, kind) = Self.expected[index]
        let source = try String(contentsOf: Self.templates.appendingPathComponent("\(name).jinja"), encoding: .utf8)
        #expect(ToolCallParserKind.detected(fromTemplate: source) == kind, "\(name)")
    }

    @Test("vLLM's pythonic template and no template at all")
    func others() {
        let pythonic = "If you decide to invoke any of the function(s), you MUST put it in the format of "
            + "[func_name1(params_name1=params_value1, params_name2=params_value2...), func_name2(params)]"
        #expect(ToolCallParserKind.detected(fromTemplate: pythonic) == .pythonic)
        #expect(ToolCallParserKind.detected(fromTemplate: nil) == .hermes)
        #expect(ToolCallParserKind(rawValue: "llama3_json") == .llama3JSON)
        #expect(ToolCallParserKind(rawValue: "llama3") == nil)
        #expect(ToolCallParserKind.flagValues == "auto, hermes, llama3_json, mistral, pythonic")
    }

    @Test("the lazy call grammar follows the format: Llama 3 names its arguments parameters; pythonic is not JSON")
    func lazyConstraint() throws {
        func schema(_ kind: ToolCallParserKind) throws -> SluiceGrammar.JSONValue? {
            var tools = ToolFields(functions: [.init(name: "f", parameters: .object([]))], choice: .auto, parallelToolCalls: true,
                                   toolsJSON: "[]")
            tools.parserKind = kind
            guard case .jsonSchema(let text)? = tools.lazyCallConstraint?.spec else { return nil }
            return try SluiceGrammar.JSONValue.parse(text)
        }
        let required = { (value: SluiceGrammar.JSONValue?) in value?["anyOf"]?.arrayValue?.first?["required"] }
        #expect(required(try schema(.hermes)) == .array([.string("name"), .string("arguments")]))
        #expect(required(try schema(.mistral)) == .array([.string("name"), .string("arguments")]))
        #expect(required(try schema(.llama3JSON)) == .array([.string("name"), .string("parameters")]))
        #expect(try schema(.pythonic) == nil)
    }
}
