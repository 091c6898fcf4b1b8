import Foundation
import Testing
@testable import SluiceServer

/// Mistral's chat templates (Nemo, Small 3.2) refuse a tool call whose id is not nine letters and digits:
/// the ids we make for that format are such, and longer ids a client sends back are cut to their last
/// nine before the template sees them, as vLLM does.
@Suite("Mistral tool-call ids")
struct MistralToolCallIDTests {
    static func template(_ name: String) throws -> JinjaChatRenderer {
        let source = try String(contentsOf: ToolCallParserKindTests.templates.appendingPathComponent("\(name).jinja"),
                                encoding: .utf8)
        return try JinjaChatRenderer(source: source, bosToken: "<s>", eosToken: "</s>")
    }

    /// A round trip as a client sends it back: the call we returned, and its result.
    static func conversation(callID: String) -> [ChatMessage] {
        [
            ChatMessage(role: "user", content: "What is the weather in Paris?"),
            ChatMessage(role: "assistant", content: "", toolCallsJSON: """
                [{"id":"\(callID)","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\": \\"Paris\\"}"}}]
                """),
            ChatMessage(role: "tool", content: "{\"temperature\": 21}", toolCallID: callID),
        ]
    }

    @Test("the ids made for the Mistral format are nine letters and digits; the others keep vLLM's long form")
    func madeIDs() {
        let ids = (0..<200).map { _ in ToolFields.makeCallID(for: .mistral) }
        #expect(ids.allSatisfy { $0.count == 9 && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } })
        #expect(Set(ids).count == ids.count)
        #expect(ToolFields.makeCallID(for: .hermes).hasPrefix("chatcmpl-tool-"))
        #expect(ToolFields.makeCallID(for: .llama3JSON).count == "chatcmpl-tool-".count + 32)
    }

    @Test("Nemo's and Small 3.2's templates refuse a long id and take it cut to its last nine characters",
          arguments: ["mistralai-Mistral-Nemo-Instruct-2407", "Mistral-Small-3.2-24B-Instruct-2506"])
    func longIDsCut(name: String) throws {
        let renderer = try Self.template(name)
        let long = "chatcmpl-tool-" + "0123456789abcdef0123456789abcdef"
        #expect(throws: (any Error).self) {
            _ = try renderer.render(messages: Self.conversation(callID: long), addGenerationPrompt: true)
        }
        let cut = Self.conversation(callID: long).map { $0.truncatingToolCallIDs(to: ToolFields.mistralCallIDLength) }
        #expect(cut[1].toolCallsJSON?.contains("\"id\":\"89abcdef\"") == false)
        #expect(cut[1].toolCallsJSON?.contains("\"id\":\"789abcdef\"") == true)
        #expect(cut[2].toolCallID == "789abcdef")
        let text = try renderer.render(messages: cut, addGenerationPrompt: true)
        #expect(text.contains("789abcdef") && !text.contains("chatcmpl"))
        // Our own Mistral ids go through untouched.
        let own = ToolFields.makeCallID(for: .mistral)
        #expect(try renderer.render(messages: Self.conversation(callID: own), addGenerationPrompt: true).contains(own))
        #expect(Self.conversation(callID: own).map { $0.truncatingToolCallIDs(to: 9) } == Self.conversation(callID: own))
    }
}
