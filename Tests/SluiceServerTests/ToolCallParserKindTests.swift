import Foundation
import SluiceEngine
import SluiceGrammar
import SluiceTokenizer
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

    @Test("--tool-call-parser wins over the template; without it (auto) the template decides")
    func configured() {
        var configuration = ServerConfiguration(servedModelName: "m")
        #expect(configuration.toolCallParser(forTemplate: "{{ '[TOOL_CALLS]' }}") == .mistral)
        #expect(configuration.toolCallParser(forTemplate: nil) == .hermes)
        configuration.toolCallParser = .pythonic
        #expect(configuration.toolCallParser(forTemplate: "{{ '[TOOL_CALLS]' }}") == .pythonic)
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

    static func tools(_ kind: ToolCallParserKind, choice: ToolFields.Choice = .auto) -> ToolFields {
        var tools = ToolFields(functions: [.init(name: "f", parameters: .object([]))], choice: choice, parallelToolCalls: false,
                               toolsJSON: "[]")
        tools.parserKind = kind
        return tools
    }

    @Test("a marker that is a hidden control token ([TOOL_CALLS]) makes the output keep special tokens; visible ones do not")
    func hiddenMarkers() {
        let tokenizer = MarkerTokenizer()
        #expect(Self.tools(.mistral).hidesCallMarkers(tokenizer: tokenizer))
        #expect(!Self.tools(.mistral, choice: .required).hidesCallMarkers(tokenizer: tokenizer), "forced JSON has no marker")
        #expect(!Self.tools(.llama3JSON).hidesCallMarkers(tokenizer: tokenizer), "<|python_tag|> is visible here")
        #expect(!Self.tools(.hermes).hidesCallMarkers(tokenizer: tokenizer))
        #expect(!Self.tools(.pythonic).hidesCallMarkers(tokenizer: tokenizer), "its tags are not single tokens here")
    }

    @Test("the lazy grammar starts at the format's own marker token and text, and on trial at {")
    func triggers() {
        let tokenizer = MarkerTokenizer()
        let llama = Self.tools(.llama3JSON).callTriggers(tokenizer: tokenizer)
        #expect(llama.tokenIDs == [MarkerTokenizer.pythonTag])
        #expect(llama.patterns == [Array("<|python_tag|>".utf8)])
        #expect(llama.tentative == .init(bytes: [UInt8(ascii: "{")], committedAfterStrings: 2))
        #expect(!llama.repeats, "parallel_tool_calls false")
        let mistral = Self.tools(.mistral).callTriggers(tokenizer: tokenizer)
        #expect(mistral.tokenIDs.isEmpty && mistral.patterns.isEmpty && mistral.tentative != nil)
        let hermes = Self.tools(.hermes)
        #expect(hermes.callTriggers(tokenizer: tokenizer) == hermes.hermesTriggers(tokenizer: tokenizer))
    }
}

/// A byte-level tokenizer with two control tokens past the bytes: `[TOOL_CALLS]`, hidden when special tokens are
/// skipped (as in Mistral's vocabulary), and `<|python_tag|>`, kept.
struct MarkerTokenizer: Tokenizer {
    static let toolCalls = 256
    static let pythonTag = 257
    static let markers = [toolCalls: "[TOOL_CALLS]", pythonTag: "<|python_tag|>"]

    var vocabularySize: Int { 258 }
    var bosTokenID: Int? { nil }
    var eosTokenID: Int? { nil }
    var endOfGenerationTokenIDs: Set<Int> { [] }
    var addBOS: Bool { false }

    func encode(_ text: String, addSpecialTokens: Bool, parseSpecial: Bool) -> [Int] {
        if parseSpecial, let (id, _) = Self.markers.first(where: { $0.value == text }) { return [id] }
        return text.utf8.map(Int.init)
    }

    func encode(_ text: String, addSpecialTokens: Bool, literalRanges: [Range<Int>]) -> [Int] {
        encode(text, addSpecialTokens: addSpecialTokens, parseSpecial: true)
    }

    func decode(_ ids: [Int], skipSpecialTokens: Bool) -> String {
        String(decoding: ids.flatMap { tokenBytes($0, skipSpecialTokens: skipSpecialTokens) }, as: UTF8.self)
    }

    func tokenBytes(_ id: Int, skipSpecialTokens: Bool) -> [UInt8] {
        if id == Self.toolCalls && skipSpecialTokens { return [] }
        if let marker = Self.markers[id] { return Array(marker.utf8) }
        return [UInt8(id)]
    }

    func tokenText(_ id: Int) -> String { String(decoding: tokenBytes(id, skipSpecialTokens: false), as: UTF8.self) }
}
