import SluiceEngine
import SluiceGrammar
import SluiceTokenizer

/// `tools`, `tool_choice` and `parallel_tool_calls` of a chat request, as OpenAI and vLLM take them.
///
/// The tools go to the model's chat template; `required` and a named function constrain the output with a
/// JSON schema (`required` an array of `{"name", "arguments"}` objects, as vLLM does; a named function one
/// such object with its name fixed), so that arguments always parse; `auto` lets the model write calls in
/// its own format, read back by the parser of ``parserKind``. The forced outputs are plain JSON whatever the
/// format (as in vLLM, where they bypass the tool parser), read by the JSON reader. Streamed,
/// ``ToolCallStreamer`` sends each call's id and name once its name is written and its arguments as they are
/// generated.
struct ToolFields: Sendable, Equatable {
    /// One function the model may call.
    struct Function: Sendable, Equatable {
        let name: String
        /// The JSON schema of its arguments; `{}` (any object) when the tool gave none.
        let parameters: SluiceGrammar.JSONValue
    }

    /// What `tool_choice` asks for (`none` never reaches here: the request then has no tools).
    enum Choice: Sendable, Equatable {
        case auto
        case required
        case function(String)
    }

    let functions: [Function]
    let choice: Choice
    let parallelToolCalls: Bool
    /// The `tools` array as the client sent it (keys in order), for the chat template.
    let toolsJSON: String
    /// The format `auto` calls are read in (`--tool-call-parser`): the server sets it; Hermes until then.
    var parserKind: ToolCallParserKind = .hermes

    /// The tools of `body`, or nil when it has none or `tool_choice` is `none`.
    static func decode(from body: SluiceGrammar.JSONValue) throws(APIError) -> ToolFields? {
        let tools = body["tools"] ?? .null
        let requested = body["tool_choice"] ?? .null
        if requested == .string("none") { return nil }
        if tools != .null && tools.arrayValue == nil {
            throw .badRequest("tools must be a list of tools.", param: "tools")
        }
        guard let list = tools.arrayValue, !list.isEmpty else {
            guard requested == .null || requested == .string("auto") else {
                throw .badRequest("tool_choice needs tools to choose from.", param: "tool_choice")
            }
            return nil
        }
        var functions: [Function] = []
        for (index, tool) in list.enumerated() {
            let field = "tools[\(index)]"
            guard tool["type"]?.stringValue == "function" else {
                throw .unsupported("`\(field).type` must be \"function\": other tool types are not supported by this server.",
                                   param: "\(field).type")
            }
            guard let name = tool["function"]?["name"]?.stringValue, !name.isEmpty else {
                throw .badRequest("\(field).function.name is required.", param: "\(field).function.name")
            }
            let parameters = tool["function"]?["parameters"] ?? .object([])
            guard parameters.objectValue != nil else {
                throw .badRequest("\(field).function.parameters must be a JSON schema object.",
                                  param: "\(field).function.parameters")
            }
            functions.append(Function(name: name, parameters: parameters))
        }
        let choice: Choice
        switch requested {
        case .null, .string("auto"): choice = .auto
        case .string("required"): choice = .required
        default:
            guard let name = requested["function"]?["name"]?.stringValue else {
                throw .badRequest(#"tool_choice must be "none", "auto", "required" or {"type": "function", "function": {"name": ...}}."#,
                                  param: "tool_choice")
            }
            guard functions.contains(where: { $0.name == name }) else {
                throw .badRequest("tool_choice names the function `\(name)`, which is not among the tools.", param: "tool_choice")
            }
            choice = .function(name)
        }
        return ToolFields(functions: functions, choice: choice, parallelToolCalls: body["parallel_tool_calls"]?.boolValue ?? true,
                          toolsJSON: tools.compactText())
    }

    /// The output constraint `tool_choice` asks for: a named function's call object, or for `required` an
    /// array of calls (one at most without `parallel_tool_calls`); nil for `auto`.
    ///
    /// vLLM constrains a named function's output to its bare arguments. Chat templates teach the model to
    /// write a call as `{"name": …, "arguments": …}`, and a small model held to the bare arguments still
    /// writes that wrapper into them: Qwen2.5-Coder-0.5B answers instructor's forced `Person` tool with
    /// `{"name": "Person", …}` and LangChain's `get_weather(city)` with an extra `"arguments"` property. So
    /// the output here is the object it was taught, with the name fixed, and the arguments are read from it.
    var constraint: StructuredOutputFields? {
        switch choice {
        case .auto:
            return nil
        case .function(let name):
            let function = functions.first { $0.name == name } ?? Function(name: name, parameters: .object([]))
            let schema = Self.callSchema(function, argumentsKey: "arguments", at: "")
            return StructuredOutputFields(spec: .jsonSchema(schema.compactText()), field: "tool_choice")
        case .required:
            let calls = callSchemas(argumentsKey: "arguments", at: "/items/anyOf")
            var array: [(String, SluiceGrammar.JSONValue)] = [
                ("type", .string("array")), ("items", .object([("anyOf", .array(calls))])), ("minItems", .number("1")),
            ]
            if !parallelToolCalls { array.append(("maxItems", .number("1"))) }
            return StructuredOutputFields(spec: .jsonSchema(SluiceGrammar.JSONValue.object(array).compactText()), field: "tools")
        }
    }

    /// For `auto`: the grammar of one call object, which applies lazily, once the model opens a call
    /// (``GrammarTriggers``), so that a call it chose to make always parses. Llama 3's objects name their
    /// arguments `parameters`; a pythonic call is no JSON, so it is not constrained.
    var lazyCallConstraint: StructuredOutputFields? {
        guard choice == .auto, parserKind != .pythonic else { return nil }
        let schemas = callSchemas(argumentsKey: parserKind == .llama3JSON ? "parameters" : "arguments", at: "/anyOf")
        return StructuredOutputFields(spec: .jsonSchema(SluiceGrammar.JSONValue.object([("anyOf", .array(schemas))]).compactText()),
                                      field: "tools")
    }

    /// Where the lazy call grammar starts for the chosen format: Hermes's (``hermesTriggers(tokenizer:)``);
    /// for Llama 3 `<|python_tag|>` at once and any `{` on trial; for Mistral any `{` on trial (the objects
    /// of its JSON array; the arguments object of its newer form does not fit a call and is left free).
    func callTriggers(tokenizer: any Tokenizer) -> GrammarTriggers {
        switch parserKind {
        case .hermes:
            return hermesTriggers(tokenizer: tokenizer)
        case .llama3JSON:
            let tag = tokenizer.encode(Llama3JSONToolCallParser.pythonTag, addSpecialTokens: false, parseSpecial: true)
            return GrammarTriggers(tokenIDs: tag.count == 1 ? [tag[0]] : [], patterns: [Array(Llama3JSONToolCallParser.pythonTag.utf8)],
                                   tentative: .init(bytes: [UInt8(ascii: "{")], committedAfterStrings: 2), repeats: parallelToolCalls)
        case .mistral, .pythonic:
            return GrammarTriggers(tentative: .init(bytes: [UInt8(ascii: "{")], committedAfterStrings: 2), repeats: parallelToolCalls)
        }
    }

    /// Whether the format's markers are control tokens that a detokenizer skipping special tokens would drop
    /// (Mistral's `[TOOL_CALLS]`, Llama's `<|python_tag|>`): the output must then keep them to be read, as
    /// vLLM's Mistral parser turns `skip_special_tokens` off.
    func hidesCallMarkers(tokenizer: any Tokenizer) -> Bool {
        guard choice == .auto, let format = callFormat else { return false }
        return format.openMarkers.contains { marker in
            let ids = tokenizer.encode(marker, addSpecialTokens: false, parseSpecial: true)
            return ids.count == 1 && tokenizer.tokenBytes(ids[0], skipSpecialTokens: true).isEmpty
        }
    }

    /// Where a Hermes call opens: the `<tool_call>` token (or its text) starts the call grammar at once; any
    /// `{` starts it on trial, constraining only once the model wrote `"name"` and one of the tools' names
    /// (a fenced or bare call object, as small models write them; a JSON answer stays free). llama.cpp's
    /// Hermes handler also triggers its lazy grammar on such words.
    func hermesTriggers(tokenizer: any Tokenizer) -> GrammarTriggers {
        let tag = tokenizer.encode(HermesToolCallParser.openTag, addSpecialTokens: false, parseSpecial: true)
        return GrammarTriggers(tokenIDs: tag.count == 1 ? [tag[0]] : [], patterns: [Array(HermesToolCallParser.openTag.utf8)],
                               tentative: .init(bytes: [UInt8(ascii: "{")], committedAfterStrings: 2),
                               repeats: parallelToolCalls)
    }

    /// One `{"name", "arguments"}` object per function: the name fixed, the arguments its schema; the objects
    /// are the items of the array at the JSON pointer `list`.
    private func callSchemas(argumentsKey: String, at list: String) -> [SluiceGrammar.JSONValue] {
        functions.enumerated().map { index, function in
            Self.callSchema(function, argumentsKey: argumentsKey, at: "\(list)/\(index)")
        }
    }

    /// The call object of `function`, to be placed at the JSON pointer `pointer` of the whole schema. The
    /// arguments' schema moves inside it, so its local `$ref`s (`#/$defs/Member`, as pydantic writes nested
    /// models) are rebased onto its new place.
    private static func callSchema(_ function: Function, argumentsKey: String, at pointer: String) -> SluiceGrammar.JSONValue {
        let arguments = rebasingReferences(in: function.parameters, onto: "\(pointer)/properties/\(argumentsKey)")
        return .object([
            ("type", .string("object")),
            ("properties", .object([("name", .object([("const", .string(function.name))])), (argumentsKey, arguments)])),
            ("required", .array([.string("name"), .string(argumentsKey)])),
            ("additionalProperties", .bool(false)),
        ])
    }

    /// `schema` with every local `$ref` (`#…`) pointing `prefix` deeper, for a schema moved to the JSON pointer
    /// `prefix` of another.
    static func rebasingReferences(in schema: SluiceGrammar.JSONValue, onto prefix: String) -> SluiceGrammar.JSONValue {
        switch schema {
        case .object(let members):
            return .object(members.map { member -> (String, SluiceGrammar.JSONValue) in
                let (key, value) = member
                if key == "$ref", let reference = value.stringValue, reference.hasPrefix("#") {
                    return (key, SluiceGrammar.JSONValue.string("#" + prefix + String(reference.dropFirst())))
                }
                return (key, rebasingReferences(in: value, onto: prefix))
            })
        case .array(let items):
            return .array(items.map { rebasingReferences(in: $0, onto: prefix) })
        default:
            return schema
        }
    }

    /// A fresh tool call id, as vLLM writes them: nine letters and digits for the Mistral format, whose
    /// chat templates refuse any other id (vLLM's `MistralToolCall.generate_random_id`), else
    /// `chatcmpl-tool-` and 32 hex digits.
    static func makeCallID(for kind: ToolCallParserKind = .hermes) -> String {
        guard kind == .mistral else { return "chatcmpl-tool-\(RequestID.random().rawValue)" }
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<mistralCallIDLength).map { _ in alphabet.randomElement()! })
    }

    /// The length of a Mistral tool-call id.
    static let mistralCallIDLength = 9

    /// The Hermes parser, which knows the functions' names; it also reads the JSON that `required` and a named
    /// function force.
    var parser: HermesToolCallParser {
        HermesToolCallParser(functionNames: functionNames)
    }

    /// The reader of `auto` calls in the chosen format, when it is not Hermes.
    var callFormat: (any ToolCallFormat)? {
        switch parserKind {
        case .hermes: return nil
        case .llama3JSON: return Llama3JSONToolCallParser(functionNames: functionNames)
        case .mistral: return MistralToolCallParser(functionNames: functionNames)
        case .pythonic: return PythonicToolCallParser(functionNames: functionNames)
        }
    }

    private var functionNames: Set<String>? { functions.isEmpty ? nil : Set(functions.map(\.name)) }

    /// The calls in one choice's generated text.
    func calls(in text: String) -> ParsedToolCalls {
        switch choice {
        case .auto:
            return callFormat?.parse(text) ?? parser.parse(text)
        case .function, .required:
            let calls = parser.calls(in: Substring(text))
            return calls.isEmpty ? ParsedToolCalls(content: text, calls: []) : ParsedToolCalls(content: nil, calls: calls)
        }
    }
}
