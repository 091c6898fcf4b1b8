import Hummingbird
import SluiceGrammar

/// The fields of both completion APIs that constrain the output, read into one ``GrammarSpec``:
/// OpenAI's `response_format` (`text`, `json_object`, `json_schema`), vLLM's `structured_outputs`
/// (`json`, `regex`, `choice`, `grammar`, `json_object`), vLLM's legacy `guided_json`, `guided_regex`,
/// `guided_choice` and `guided_grammar`, which map onto them, and llama-server's `grammar`. Grammars are read
/// in GBNF, llama.cpp's format (vLLM also takes Lark there; a Lark grammar is refused where it does not parse).
///
/// Schemas are read with the grammar engine's own JSON reader, which keeps the order of an object's
/// keys: a schema's properties are generated in the order it lists them, as OpenAI does. What cannot be
/// enforced (structural tags, a custom whitespace pattern) is refused by name.
struct StructuredOutputFields: Sendable, Equatable {
    /// What the output must match.
    let spec: GrammarSpec
    /// The field that asked for it, as the client spelled it, for errors about its content.
    let field: String

    /// The top-level fields read here; a body without any of them is never parsed a second time.
    static let fieldNames = ["response_format", "structured_outputs", "guided_json", "guided_regex", "guided_choice",
                             "guided_grammar", "guided_whitespace_pattern", "grammar"]

    /// The keys of `structured_outputs` that choose a constraint (exactly one may be set).
    private static let constraintKeys: Set<String> = ["json", "regex", "choice", "grammar", "json_object"]
    /// Keys of `structured_outputs` that change nothing here: every constraint is enforced by the one
    /// engine, with no fallback and JSON's usual whitespace.
    private static let ignoredKeys: Set<String> = ["disable_fallback", "disable_any_whitespace", "_backend",
                                                   "_backend_was_auto"]

    /// The constraint `body` asks for, or nil when it asks for none; `raw` is the same body as already
    /// decoded, to skip the second reading when no field is present.
    static func decode(from body: ByteBuffer, raw: JSONValue) throws(APIError) -> StructuredOutputFields? {
        guard fieldNames.contains(where: { raw[$0] != nil && raw[$0] != .null }) else { return nil }
        let object = try JSONBody.orderedObject(from: body)
        var found: [StructuredOutputFields] = []
        if let format = present(object["response_format"]), let spec = try responseFormat(format) {
            found.append(StructuredOutputFields(spec: spec, field: "response_format"))
        }
        if let options = present(object["structured_outputs"]), let spec = try structuredOutputs(options) {
            found.append(StructuredOutputFields(spec: spec, field: "structured_outputs"))
        }
        if let schema = present(object["guided_json"]) {
            found.append(StructuredOutputFields(spec: try jsonSchema(schema, field: "guided_json"), field: "guided_json"))
        }
        if let pattern = present(object["guided_regex"]) {
            found.append(StructuredOutputFields(spec: try regex(pattern, field: "guided_regex"), field: "guided_regex"))
        }
        if let choices = present(object["guided_choice"]) {
            found.append(StructuredOutputFields(spec: try choice(choices, field: "guided_choice"), field: "guided_choice"))
        }
        for field in ["guided_grammar", "grammar"] {
            if let text = present(object[field]) {
                found.append(StructuredOutputFields(spec: try grammar(text, field: field), field: field))
            }
        }
        if present(object["guided_whitespace_pattern"]) != nil { throw whitespacePattern(field: "guided_whitespace_pattern") }
        if found.count > 1 {
            throw .badRequest(
                "Only one field may constrain the output; this request sets \(found.map { "`\($0.field)`" }.joined(separator: " and ")).",
                param: found[1].field)
        }
        return found.first
    }

    /// The Responses API's `text.format`, with its echo for the response object: `text` asks for
    /// nothing, `json_object` for any JSON, `json_schema` for its `schema`, which sits beside `name`
    /// and `strict` rather than under `json_schema` as in chat's `response_format`.
    static func decodeResponsesFormat(
        from body: ByteBuffer, raw: JSONValue
    ) throws(APIError) -> (fields: StructuredOutputFields?, echo: ResponseTextFormat) {
        guard let text = raw["text"], text != .null else { return (nil, ResponseTextFormat()) }
        guard case .object = text else {
            throw .badRequest(#"text must be an object such as {"format": {"type": "json_schema", ...}}."#, param: "text")
        }
        guard let format = present(try JSONBody.orderedObject(from: body)["text"]?["format"]) else {
            return (nil, ResponseTextFormat())
        }
        guard let type = format["type"]?.stringValue else {
            throw .badRequest(#"text.format must be an object with a "type": "text", "json_object" or "json_schema"."#,
                              param: "text.format")
        }
        let echo = ResponseTextFormat(type: type, name: format["name"]?.stringValue, strict: format["strict"]?.boolValue)
        switch type {
        case "text":
            return (nil, echo)
        case "json_object":
            return (StructuredOutputFields(spec: .anyJSON, field: "text.format"), echo)
        case "json_schema":
            guard let schema = present(format["schema"]) else {
                throw .badRequest(#"text.format of type "json_schema" needs a "schema" (beside "name")."#,
                                  param: "text.format.schema")
            }
            return (StructuredOutputFields(spec: try jsonSchema(schema, field: "text.format.schema"), field: "text.format"), echo)
        default:
            throw .unsupported(
                "`text.format.type` \"\(type)\" is not supported by this server: use \"text\", \"json_object\" or "
                    + "\"json_schema\".", param: "text.format.type")
        }
    }

    /// The value unless it is missing or null.
    private static func present(_ value: SluiceGrammar.JSONValue?) -> SluiceGrammar.JSONValue? {
        guard let value, value != .null else { return nil }
        return value
    }

    /// `response_format`: `{"type": "text"}` asks for nothing, `json_object` for any JSON object
    /// or value, `json_schema` for its `json_schema.schema` (`name` and `strict` change nothing: the schema is
    /// always enforced).
    private static func responseFormat(_ format: SluiceGrammar.JSONValue) throws(APIError) -> GrammarSpec? {
        guard let type = format["type"]?.stringValue else {
            throw .badRequest(#"response_format must be an object with a "type": "text", "json_object" or "json_schema"."#,
                              param: "response_format")
        }
        switch type {
        case "text":
            return nil
        case "json_object":
            return .anyJSON
        case "json_schema":
            guard let schema = present(format["json_schema"]?["schema"]) else {
                throw .badRequest(#"response_format of type "json_schema" needs "json_schema": {"name": ..., "schema": {...}}."#,
                                  param: "response_format.json_schema.schema")
            }
            return try jsonSchema(schema, field: "response_format.json_schema.schema")
        default:
            throw .unsupported(
                "`response_format.type` \"\(type)\" is not supported by this server: use \"text\", \"json_object\" or "
                    + "\"json_schema\".", param: "response_format.type")
        }
    }

    /// vLLM's `structured_outputs`: exactly one of `json`, `regex`, `choice`, `json_object`.
    private static func structuredOutputs(_ options: SluiceGrammar.JSONValue) throws(APIError) -> GrammarSpec? {
        guard let members = options.objectValue else {
            throw .badRequest("structured_outputs must be an object with one of json, regex, choice or grammar.",
                              param: "structured_outputs")
        }
        var specs: [(String, GrammarSpec)] = []
        for (key, value) in members where value != .null {
            let field = "structured_outputs.\(key)"
            switch key {
            case "json": specs.append((key, try jsonSchema(value, field: field)))
            case "regex": specs.append((key, try regex(value, field: field)))
            case "choice": specs.append((key, try choice(value, field: field)))
            case "json_object":
                guard let on = value.boolValue else {
                    throw .badRequest("\(field) must be a boolean.", param: field)
                }
                if on { specs.append((key, .anyJSON)) }
            case "grammar": specs.append((key, try grammar(value, field: field)))
            case "whitespace_pattern": throw whitespacePattern(field: field)
            case "disable_additional_properties":
                if value.boolValue == true {
                    throw .unsupported("`\(field)` is not supported by this server: set additionalProperties: false in "
                                       + "the schema instead.", param: field)
                }
            case _ where ignoredKeys.contains(key):
                continue
            default:
                throw .unsupported(
                    "`\(field)` is not supported by this server: structured_outputs takes json, regex, choice, grammar "
                        + "or json_object.", param: field)
            }
        }
        guard specs.count <= 1 else {
            throw .badRequest("structured_outputs takes exactly one of \(constraintKeys.sorted().joined(separator: ", ")); "
                              + "got \(specs.map(\.0).joined(separator: " and ")).", param: "structured_outputs")
        }
        return specs.first?.1
    }

    /// A JSON schema as an object (or `true`), or as a string holding one, as vLLM takes it; its
    /// canonical text (compact, keys in their order) names it in the grammar cache.
    private static func jsonSchema(_ value: SluiceGrammar.JSONValue, field: String) throws(APIError) -> GrammarSpec {
        var schema = value
        if let text = value.stringValue {
            do { schema = try SluiceGrammar.JSONValue.parse(text) } catch {
                throw .badRequest("\(field) is a string that does not hold a JSON schema: \(error)", param: field)
            }
        }
        switch schema {
        case .object, .bool: return .jsonSchema(schema.compactText())
        default: throw .badRequest("\(field) must be a JSON schema: an object.", param: field)
        }
    }

    private static func regex(_ value: SluiceGrammar.JSONValue, field: String) throws(APIError) -> GrammarSpec {
        guard let pattern = value.stringValue else {
            throw .badRequest("\(field) must be a regular expression, as a string.", param: field)
        }
        return .regex(pattern)
    }

    private static func choice(_ value: SluiceGrammar.JSONValue, field: String) throws(APIError) -> GrammarSpec {
        guard let items = value.arrayValue, !items.isEmpty else {
            throw .badRequest("\(field) must be a non-empty array of strings.", param: field)
        }
        var options: [String] = []
        for item in items {
            guard let option = item.stringValue, !option.isEmpty else {
                throw .badRequest("\(field) must be a non-empty array of non-empty strings.", param: field)
            }
            options.append(option)
        }
        return .choice(options)
    }

    /// A grammar in GBNF, as a string; what is wrong with it is found when it compiles (a 400 naming the place).
    private static func grammar(_ value: SluiceGrammar.JSONValue, field: String) throws(APIError) -> GrammarSpec {
        guard let text = value.stringValue else {
            throw .badRequest("\(field) must be a grammar in GBNF (llama.cpp's format), as a string.", param: field)
        }
        return .gbnf(text)
    }

    private static func whitespacePattern(field: String) -> APIError {
        .unsupported("`\(field)` is not supported by this server: JSON output allows JSON's usual whitespace.",
                     param: field)
    }
}
