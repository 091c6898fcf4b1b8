import SluiceEngine
import SluiceGrammar

/// A `{"type": "tool_use", "id": "toolu_…", "name", "input"}` content block: one call the model made, its
/// input the arguments object.
struct ToolUseBlock: Encodable, Sendable {
    var id: String
    var name: String
    var input: SluiceGrammar.JSONValue

    enum CodingKeys: String, CodingKey { case type, id, name, input }

    /// A fresh id, as Anthropic spells them.
    static func makeID() -> String { "toolu_\(RequestID.random().rawValue)" }

    /// The block for a parsed call; arguments that do not read as an object (never, from the parser) give `{}`.
    init(call: ParsedToolCalls.Call) {
        id = Self.makeID()
        name = call.name
        let arguments = try? SluiceGrammar.JSONValue.parse(call.arguments)
        input = arguments?.objectValue != nil ? arguments! : .object([])
    }

    /// The block as `content_block_start` opens it: its input `{}`, filled by `input_json_delta`s.
    init(id: String, name: String) {
        self.id = id
        self.name = name
        input = .object([])
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("tool_use", forKey: .type)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(EncodableJSON(input), forKey: .input)
    }
}
